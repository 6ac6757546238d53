import type { GroupVersionResource, StatusCause } from '../../machinery/meta.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { admitClusterCreate, admitClusterUpdate, workType } from './work-resource-types.js';
import { resourceInterpreterCustomizationType } from './interpreter-types.js';
import { validateGracefulEvictionTasks } from './binding-validation.js';
import {
  SPREAD_FIELDS,
  type Cluster,
  type OverridePolicy,
  type PropagationPolicy,
  type ResourceBinding,
  type SpreadConstraint,
} from './federation-types.js';

const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});
const invalid = (field: string, msg: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: msg,
});

/** The only namespace a Cluster's credentials Secret may live in. */
const CREDENTIALS_NAMESPACE = 'flotilla-system';

function readyOf(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  return r?.status === 'True'
    ? 'True'
    : r?.reason === 'ClusterOffline'
      ? 'Offline'
      : r
        ? 'False'
        : 'Unknown';
}

function validateSecretRef(c: Cluster): StatusCause[] {
  if (c.spec.syncMode === 'Pull') {
    // nothing of the federation ever calls a Pull member: it must not hold credentials for it
    return c.spec.secretRef !== undefined
      ? [invalid('spec.secretRef', 'Forbidden: a Pull cluster has no credentials Secret')]
      : [];
  }
  if (!c.spec.secretRef?.name || !c.spec.secretRef.namespace) return [required('spec.secretRef')];
  if (c.spec.secretRef.namespace !== CREDENTIALS_NAMESPACE) {
    // the federation only reads (and only lets its controllers see) Secrets in this namespace
    return [
      invalid(
        'spec.secretRef.namespace',
        `Unsupported value: "${c.spec.secretRef.namespace}": supported values: "${CREDENTIALS_NAMESPACE}"`,
      ),
    ];
  }
  return [];
}

function validateCluster(c: Cluster): StatusCause[] {
  const out: StatusCause[] = [];
  if (!c.spec || typeof c.spec !== 'object') return [required('spec')];
  const mode = c.spec.syncMode ?? 'Push';
  if (mode !== 'Push' && mode !== 'Pull') {
    out.push(
      invalid(
        'spec.syncMode',
        `Unsupported value: "${String(mode)}": supported values: "Push", "Pull"`,
      ),
    );
  }
  if (!c.spec.apiEndpoint) out.push(required('spec.apiEndpoint'));
  else if (!/^https?:\/\/[^/]+/.test(c.spec.apiEndpoint)) {
    out.push(
      invalid('spec.apiEndpoint', `Invalid value: "${c.spec.apiEndpoint}": must be an http(s) URL`),
    );
  }
  out.push(...validateSecretRef(c));
  if (c.spec.dns && (!c.spec.dns.zone || !/^[^:]+:\d+$/.test(c.spec.dns.server))) {
    out.push(invalid('spec.dns', 'zone and server (host:port) are required'));
  }
  if (c.spec.dns && mode === 'Pull') {
    out.push(invalid('spec.dns', "Forbidden: the federation cannot reach a Pull cluster's DNS"));
  }
  return out;
}

export const clusterType: ResourceType<Cluster> = {
  group: 'cluster.flotilla.io',
  version: 'v1alpha1',
  kind: 'Cluster',
  plural: 'clusters',
  singular: 'cluster',
  namespaced: false,
  shortNames: ['fcl'],
  subresources: { status: true },
  defaults: (c) => {
    if (c.spec && typeof c.spec === 'object') c.spec.syncMode ??= 'Push';
  },
  validate: validateCluster,
  admit: admitClusterCreate,
  admitUpdate: admitClusterUpdate,
  printerColumns: [
    { name: 'Ready', type: 'string', value: readyOf },
    { name: 'Mode', type: 'string', value: (c) => c.spec.syncMode ?? 'Push' },
    { name: 'Region', type: 'string', value: (c) => c.spec.region ?? '' },
    { name: 'Endpoint', type: 'string', value: (c) => c.spec.apiEndpoint },
    { name: 'Version', type: 'string', value: (c) => c.status?.kubernetesVersion ?? '' },
  ],
};

function validateSelectors(sel: unknown): StatusCause[] {
  if (!Array.isArray(sel) || sel.length === 0) return [required('spec.resourceSelectors')];
  return sel.flatMap((s: { apiVersion?: string; kind?: string }, i) =>
    !s.apiVersion || !s.kind
      ? [required(`spec.resourceSelectors[${String(i)}].apiVersion/kind`)]
      : [],
  );
}

const isCount = (v: unknown): boolean => v === undefined || (Number.isInteger(v) && Number(v) >= 0);

/** One spread constraint (Karmada's rules: a field or a label, minGroups ≤ maxGroups). */
function validateSpreadConstraint(c: SpreadConstraint, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (c.spreadByField !== undefined && !SPREAD_FIELDS.includes(c.spreadByField)) {
    out.push(
      invalid(
        `${path}.spreadByField`,
        `Unsupported value: "${String(c.spreadByField)}": supported values: ${SPREAD_FIELDS.map((f) => `"${f}"`).join(', ')}`,
      ),
    );
  }
  if (c.spreadByField !== undefined && c.spreadByLabel !== undefined) {
    out.push(invalid(path, 'spreadByField and spreadByLabel are mutually exclusive'));
  } else if (c.spreadByField === undefined && !c.spreadByLabel) {
    out.push(required(`${path}.spreadByField`));
  }
  for (const f of ['minGroups', 'maxGroups'] as const) {
    if (!isCount(c[f])) out.push(invalid(`${path}.${f}`, 'must be a non-negative integer'));
  }
  if (c.minGroups !== undefined && c.maxGroups !== undefined && c.minGroups > c.maxGroups) {
    out.push(
      invalid(
        `${path}.maxGroups`,
        `Invalid value: ${String(c.maxGroups)}: must be greater than or equal to minGroups (${String(c.minGroups)})`,
      ),
    );
  }
  return out;
}

/**
 * `placement.spreadConstraints`: each valid, no field or label twice, and at most one grouping
 * besides `cluster` (the scheduler spreads over one topology level, bounded by a cluster count).
 */
function validateSpreadConstraints(list: unknown): StatusCause[] {
  const path = 'spec.placement.spreadConstraints';
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [invalid(path, 'must be a list')];
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  let groupings = 0;
  for (const [i, c] of (list as SpreadConstraint[]).entries()) {
    const at = `${path}[${String(i)}]`;
    out.push(...validateSpreadConstraint(c, at));
    const by = c.spreadByField ?? `label:${c.spreadByLabel ?? ''}`;
    if (seen.has(by)) out.push(invalid(at, `Duplicate value: "${by}"`));
    seen.add(by);
    if (by !== 'cluster' && ++groupings > 1) {
      out.push(
        invalid(at, 'only one spread constraint besides spreadByField "cluster" is supported'),
      );
    }
  }
  return out;
}

export const propagationPolicyType: ResourceType<PropagationPolicy> = {
  group: 'policy.flotilla.io',
  version: 'v1alpha1',
  kind: 'PropagationPolicy',
  plural: 'propagationpolicies',
  singular: 'propagationpolicy',
  namespaced: true,
  shortNames: ['pp'],
  validate: (p) => {
    if (!p.spec || typeof p.spec !== 'object') return [required('spec')];
    const out = validateSelectors(p.spec.resourceSelectors);
    const rs = p.spec.placement?.replicaScheduling;
    if (rs && rs.replicaSchedulingType !== 'Duplicated' && rs.replicaSchedulingType !== 'Divided') {
      out.push(
        invalid(
          'spec.placement.replicaScheduling.replicaSchedulingType',
          'must be Duplicated or Divided',
        ),
      );
    }
    for (const [i, w] of (rs?.weightPreference?.staticWeightList ?? []).entries()) {
      if (!Number.isInteger(w.weight) || w.weight < 0) {
        out.push(
          invalid(
            `spec.placement.replicaScheduling.weightPreference.staticWeightList[${String(i)}].weight`,
            'must be a non-negative integer',
          ),
        );
      }
    }
    if (p.spec.conflictResolution && !['Abort', 'Overwrite'].includes(p.spec.conflictResolution)) {
      out.push(invalid('spec.conflictResolution', 'must be Abort or Overwrite'));
    }
    out.push(...validateSpreadConstraints(p.spec.placement?.spreadConstraints));
    if (p.spec.propagateDeps !== undefined && typeof p.spec.propagateDeps !== 'boolean') {
      out.push(invalid('spec.propagateDeps', 'must be a boolean'));
    }
    return out;
  },
};

export const overridePolicyType: ResourceType<OverridePolicy> = {
  group: 'policy.flotilla.io',
  version: 'v1alpha1',
  kind: 'OverridePolicy',
  plural: 'overridepolicies',
  singular: 'overridepolicy',
  namespaced: true,
  shortNames: ['op'],
  validate: (p) => {
    if (!p.spec || typeof p.spec !== 'object') return [required('spec')];
    const out = validateSelectors(p.spec.resourceSelectors);
    if (!Array.isArray(p.spec.overrideRules)) out.push(required('spec.overrideRules'));
    return out;
  },
};

export const resourceBindingType: ResourceType<ResourceBinding> = {
  group: 'work.flotilla.io',
  version: 'v1alpha1',
  kind: 'ResourceBinding',
  plural: 'resourcebindings',
  singular: 'resourcebinding',
  namespaced: true,
  shortNames: ['rb'],
  subresources: { status: true },
  validate: (b) =>
    b.spec && typeof b.spec === 'object' ? validateGracefulEvictionTasks(b) : [required('spec')],
  printerColumns: [
    {
      name: 'Clusters',
      type: 'string',
      value: (b) =>
        b.spec.clusters
          .map((c) => (c.replicas !== undefined ? `${c.name}:${String(c.replicas)}` : c.name))
          .join(','),
    },
  ],
};

/** Every federation-only type (Works included: the pull agents' input). */
export const federationResourceTypes: ResourceType[] = [
  clusterType,
  propagationPolicyType,
  overridePolicyType,
  resourceBindingType,
  workType,
  resourceInterpreterCustomizationType,
] as unknown as ResourceType[];

export const CLUSTERS: GroupVersionResource = {
  group: 'cluster.flotilla.io',
  version: 'v1alpha1',
  resource: 'clusters',
};
export const PROPAGATION_POLICIES: GroupVersionResource = {
  group: 'policy.flotilla.io',
  version: 'v1alpha1',
  resource: 'propagationpolicies',
};
export const OVERRIDE_POLICIES: GroupVersionResource = {
  group: 'policy.flotilla.io',
  version: 'v1alpha1',
  resource: 'overridepolicies',
};
export const RESOURCE_BINDINGS: GroupVersionResource = {
  group: 'work.flotilla.io',
  version: 'v1alpha1',
  resource: 'resourcebindings',
};
