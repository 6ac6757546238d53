/** apps/v1 StatefulSet (`status`, `scale`), DaemonSet (`status`) and ControllerRevision types. */
import type { StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { podSpecMergeKeys } from './merge-keys.js';
import { defaultPodSpec, invalid, validateWorkloadSpec } from './validation.js';
import type { ControllerRevision, DaemonSet, StatefulSet } from './workload-types.js';

const unsupported = (field: string, v: unknown, allowed: string[]): StatusCause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: "${String(v)}": supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
});

const intOrPercent = (field: string, v: number | string | undefined): StatusCause[] =>
  v !== undefined && !(typeof v === 'number' ? Number.isInteger(v) && v >= 0 : /^\d+%$/.test(v))
    ? [invalid(field, v, 'must be a non-negative integer or percentage')]
    : [];

function validateHistory(limit: number | undefined): StatusCause[] {
  return limit !== undefined && (!Number.isInteger(limit) || limit < 0)
    ? [invalid('spec.revisionHistoryLimit', limit, 'must be greater than or equal to 0')]
    : [];
}

function validateStatefulSet(o: StatefulSet): StatusCause[] {
  const spec = o.spec as StatefulSet['spec'] | undefined;
  const out = validateWorkloadSpec(spec, true);
  if (!spec || typeof spec !== 'object') return out;
  const pmp = spec.podManagementPolicy;
  if (pmp !== undefined && pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    out.push(unsupported('spec.podManagementPolicy', pmp, ['OrderedReady', 'Parallel']));
  }
  const us = spec.updateStrategy;
  if (us?.type !== undefined && us.type !== 'RollingUpdate' && us.type !== 'OnDelete') {
    out.push(unsupported('spec.updateStrategy.type', us.type, ['RollingUpdate', 'OnDelete']));
  }
  const part = us?.rollingUpdate?.partition;
  if (part !== undefined && (!Number.isInteger(part) || part < 0)) {
    out.push(
      invalid(
        'spec.updateStrategy.rollingUpdate.partition',
        part,
        'must be greater than or equal to 0',
      ),
    );
  }
  return [...out, ...validateHistory(spec.revisionHistoryLimit)];
}

/** `statefulSet` resource type. */
export const statefulSetType: ResourceType<StatefulSet> = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  subresources: {
    status: true,
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.spec.selector',
    },
  },
  patchMergeKeys: podSpecMergeKeys('.spec.template.spec'),
  defaults: (o) => {
    if (!o.spec || typeof o.spec !== 'object') return;
    o.spec.replicas ??= 1;
    o.spec.podManagementPolicy ??= 'OrderedReady';
    o.spec.revisionHistoryLimit ??= 10;
    o.spec.updateStrategy ??= { type: 'RollingUpdate' };
    o.spec.updateStrategy.type ??= 'RollingUpdate';
    if (o.spec.updateStrategy.type === 'RollingUpdate') {
      o.spec.updateStrategy.rollingUpdate ??= {};
      o.spec.updateStrategy.rollingUpdate.partition ??= 0;
    }
    defaultPodSpec(o.spec.template?.spec);
  },
  validate: validateStatefulSet,
  printerColumns: [
    {
      name: 'Ready',
      type: 'string',
      value: (s) => `${String(s.status?.readyReplicas ?? 0)}/${String(s.spec.replicas ?? 0)}`,
    },
  ],
};

/** `daemonSet` resource type. */
export const daemonSetType: ResourceType<DaemonSet> = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  subresources: { status: true },
  patchMergeKeys: podSpecMergeKeys('.spec.template.spec'),
  defaults: (o) => {
    if (!o.spec || typeof o.spec !== 'object') return;
    o.spec.revisionHistoryLimit ??= 10;
    o.spec.updateStrategy ??= { type: 'RollingUpdate' };
    o.spec.updateStrategy.type ??= 'RollingUpdate';
    if (o.spec.updateStrategy.type === 'RollingUpdate') {
      o.spec.updateStrategy.rollingUpdate = {
        maxUnavailable: 1,
        maxSurge: 0,
        ...o.spec.updateStrategy.rollingUpdate,
      };
    }
    defaultPodSpec(o.spec.template?.spec);
  },
  validate: (o) => {
    const spec = o.spec as DaemonSet['spec'] | undefined;
    const out = validateWorkloadSpec(spec, true);
    if (!spec || typeof spec !== 'object') return out;
    const us = spec.updateStrategy;
    if (us?.type !== undefined && us.type !== 'RollingUpdate' && us.type !== 'OnDelete') {
      out.push(unsupported('spec.updateStrategy.type', us.type, ['RollingUpdate', 'OnDelete']));
    }
    const ru = us?.rollingUpdate;
    out.push(
      ...intOrPercent('spec.updateStrategy.rollingUpdate.maxUnavailable', ru?.maxUnavailable),
    );
    out.push(...intOrPercent('spec.updateStrategy.rollingUpdate.maxSurge', ru?.maxSurge));
    return [...out, ...validateHistory(spec.revisionHistoryLimit)];
  },
  printerColumns: [
    { name: 'Desired', type: 'integer', value: (d) => d.status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', value: (d) => d.status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', value: (d) => d.status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', value: (d) => d.status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', value: (d) => d.status?.numberAvailable ?? 0 },
    {
      name: 'Node Selector',
      type: 'string',
      value: (d) =>
        Object.entries(d.spec.template.spec.nodeSelector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>',
    },
  ],
};

/** `controllerRevision` resource type: immutable `data`, a non-negative `revision`. */
export const controllerRevisionType: ResourceType<ControllerRevision> = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  validate: (o, old) => {
    const out: StatusCause[] = [];
    if (!Number.isInteger(o.revision) || o.revision < 0) {
      out.push(invalid('revision', o.revision, 'must be greater than or equal to 0'));
    }
    if (old && JSON.stringify(old.data) !== JSON.stringify(o.data)) {
      out.push(invalid('data', 'data', 'field is immutable'));
    }
    return out;
  },
  printerColumns: [
    {
      name: 'Controller',
      type: 'string',
      value: (r) => {
        const ref = r.metadata.ownerReferences?.find((x) => x.controller);
        return ref ? `${ref.kind.toLowerCase()}.apps/${ref.name}` : '<none>';
      },
    },
    { name: 'Revision', type: 'integer', value: (r) => r.revision },
  ],
};
