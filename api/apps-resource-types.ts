/** apps/v1 resource types: Deployment and ReplicaSet (status + scale subresources). */
import type { ResourceType } from '../machinery/resource-type.js';
import type { Deployment, ReplicaSet } from './core-types.js';
import { podSpecMergeKeys } from './merge-keys.js';
import { defaultPodSpec, validateDeploymentStrategy, validateWorkloadSpec } from './validation.js';

const workloadScale = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.spec.selector',
};

/** `deployment` resource type. */
export const deploymentType: ResourceType<Deployment> = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: { status: true, scale: workloadScale },
  patchMergeKeys: { ...podSpecMergeKeys('.spec.template.spec'), '.status.conditions': 'type' },
  defaults: (o) => {
    if (!o.spec || typeof o.spec !== 'object') return;
    o.spec.replicas ??= 1;
    o.spec.revisionHistoryLimit ??= 10;
    o.spec.progressDeadlineSeconds ??= 600;
    o.spec.strategy ??= { type: 'RollingUpdate' };
    if (o.spec.strategy.type === 'RollingUpdate' || o.spec.strategy.type === undefined) {
      o.spec.strategy.type = 'RollingUpdate';
      o.spec.strategy.rollingUpdate = {
        maxSurge: '25%',
        maxUnavailable: '25%',
        ...(o.spec.strategy.rollingUpdate ?? {}),
      };
    }
    defaultPodSpec(o.spec.template?.spec);
  },
  validate: (o) => [...validateWorkloadSpec(o.spec, true), ...validateDeploymentStrategy(o)],
  printerColumns: [
    {
      name: 'Ready',
      type: 'string',
      value: (d) => `${String(d.status?.readyReplicas ?? 0)}/${String(d.spec.replicas ?? 0)}`,
    },
    { name: 'Up-to-date', type: 'integer', value: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', value: (d) => d.status?.availableReplicas ?? 0 },
  ],
};

/** `replicaSet` resource type. */
export const replicaSetType: ResourceType<ReplicaSet> = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  subresources: { status: true, scale: workloadScale },
  patchMergeKeys: { ...podSpecMergeKeys('.spec.template.spec'), '.status.conditions': 'type' },
  defaults: (o) => {
    if (!o.spec || typeof o.spec !== 'object') return;
    o.spec.replicas ??= 1;
    defaultPodSpec(o.spec.template?.spec);
  },
  validate: (o) => validateWorkloadSpec(o.spec, true),
  printerColumns: [
    { name: 'Desired', type: 'integer', value: (r) => r.spec.replicas ?? 0 },
    { name: 'Current', type: 'integer', value: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', value: (r) => r.status?.readyReplicas ?? 0 },
  ],
};
