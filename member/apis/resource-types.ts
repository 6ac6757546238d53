import type { GroupVersionResource, KubeObject, StatusCause } from '../../federation/apis/meta.js';
import type { ResourceType } from '../../federation/machinery/resource-type.js';
import type { Deployment, Endpoints, Event, Lease, Node, Pod, ReplicaSet, Service } from './core-types.js';
import { defaultPodSpec, invalid, required, validatePodSpec, validateWorkloadSpec } from './validation.js';

const cond = (o: { status?: { conditions?: { type: string; status: string }[] } }, type: string): string | undefined =>
  o.status?.conditions?.find((c) => c.type === type)?.status;

function podStatusColumn(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const cs of p.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) return cs.state.waiting.reason;
    if (cs.state?.terminated?.reason && p.status?.phase !== 'Succeeded') return cs.state.terminated.reason;
  }
  return p.status?.phase ?? 'Pending';
}

export const namespaceType: ResourceType = {
  group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'],
  subresources: { status: true },
  defaults: (o) => {
    o.spec ??= {};
    if (!o.metadata.deletionTimestamp && !(o.metadata.finalizers ?? []).includes('kubernetes') && o.metadata.resourceVersion === undefined) o.metadata.finalizers = [...(o.metadata.finalizers ?? []), 'kubernetes'];
    o.status ??= { phase: 'Active' };
  },
  fieldSelectors: { 'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase },
  printerColumns: [{ name: 'Status', type: 'string', value: (o) => (o.status as { phase?: string } | undefined)?.phase ?? 'Active' }],
};

export const podType: ResourceType<Pod> = {
  group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'],
  subresources: { status: true },
  defaults: (o) => defaultPodSpec(o.spec),
  validate: (o, old) => {
    const out = validatePodSpec(o.spec, 'spec');
    if (old && old.spec.nodeName && o.spec.nodeName !== old.spec.nodeName) out.push(invalid('spec.nodeName', o.spec.nodeName, 'field is immutable once set'));
    return out;
  },
  fieldSelectors: {
    'spec.nodeName': (o) => o.spec.nodeName ?? '',
    'status.phase': (o) => o.status?.phase ?? '',
    'spec.schedulerName': (o) => o.spec.schedulerName ?? '',
  },
  printerColumns: [
    { name: 'Ready', type: 'string', value: (p) => `${String((p.status?.containerStatuses ?? []).filter((c) => c.ready).length)}/${String(p.spec.containers.length)}` },
    { name: 'Status', type: 'string', value: podStatusColumn },
    { name: 'Restarts', type: 'integer', value: (p) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0) },
    { name: 'IP', type: 'string', value: (p) => p.status?.podIP, priority: 1 },
    { name: 'Node', type: 'string', value: (p) => p.spec.nodeName, priority: 1 },
  ],
};

export const nodeType: ResourceType<Node> = {
  group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'],
  subresources: { status: true },
  printerColumns: [
    { name: 'Status', type: 'string', value: (n) => `${cond(n, 'Ready') === 'True' ? 'Ready' : 'NotReady'}${n.spec?.unschedulable ? ',SchedulingDisabled' : ''}` },
    { name: 'Internal-IP', type: 'string', value: (n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, priority: 1 },
  ],
};

export const serviceType: ResourceType<Service> = {
  group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'],
  subresources: { status: true },
  patchMergeKeys: { '.spec.ports': 'port' },
  defaults: (o) => {
    o.spec ??= {};
    o.spec.type ??= 'ClusterIP';
    o.spec.sessionAffinity ??= 'None';
    for (const p of o.spec.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
  },
  validate: (o) => {
    const out: StatusCause[] = [];
    if (o.spec.type === 'ExternalName') {
      if (!o.spec.externalName) out.push(required('spec.externalName'));
      return out;
    }
    (o.spec.ports ?? []).forEach((p, i) => {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) out.push(invalid(`spec.ports[${String(i)}].port`, p.port, 'must be between 1 and 65535'));
    });
    if ((o.spec.ports ?? []).length > 1 && (o.spec.ports ?? []).some((p) => !p.name)) out.push(required('spec.ports.name'));
    return out;
  },
  printerColumns: [
    { name: 'Type', type: 'string', value: (s) => s.spec.type },
    { name: 'Cluster-IP', type: 'string', value: (s) => s.spec.clusterIP ?? '<none>' },
    { name: 'Port(s)', type: 'string', value: (s) => (s.spec.ports ?? []).map((p) => `${String(p.port)}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
  ],
};

export const endpointsType: ResourceType<Endpoints> = {
  group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'],
  printerColumns: [{ name: 'Endpoints', type: 'string', value: (e) => (e.subsets ?? []).flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${String(p.port)}`))).join(',') || '<none>' }],
};

export const configMapType: ResourceType = {
  group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'],
  validate: (o) => (o.data !== undefined && (typeof o.data !== 'object' || o.data === null || Object.values(o.data).some((v) => typeof v !== 'string')) ? [invalid('data', o.data, 'values must be strings')] : []),
  printerColumns: [{ name: 'Data', type: 'integer', value: (o: KubeObject) => Object.keys((o.data as object | undefined) ?? {}).length }],
};

export const secretType: ResourceType = {
  group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true,
  defaults: (o) => {
    o.type ??= 'Opaque';
    const sd = o.stringData as Record<string, string> | undefined;
    if (sd) {
      const data = (o.data ?? {}) as Record<string, string>;
      for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(v).toString('base64');
      o.data = data;
      delete o.stringData;
    }
  },
  printerColumns: [{ name: 'Type', type: 'string', value: (o: KubeObject) => o.type as string }],
};

export const eventType: ResourceType<Event> = {
  group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'],
  fieldSelectors: {
    'involvedObject.kind': (e) => e.involvedObject.kind,
    'involvedObject.name': (e) => e.involvedObject.name,
    'involvedObject.namespace': (e) => e.involvedObject.namespace,
    'involvedObject.uid': (e) => e.involvedObject.uid,
    reason: (e) => e.reason,
    type: (e) => e.type,
  },
  printerColumns: [
    { name: 'Type', type: 'string', value: (e) => e.type },
    { name: 'Reason', type: 'string', value: (e) => e.reason },
    { name: 'Object', type: 'string', value: (e) => `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}` },
    { name: 'Message', type: 'string', value: (e) => e.message },
  ],
};

export const leaseType: ResourceType<Lease> = {
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease', namespaced: true,
  printerColumns: [{ name: 'Holder', type: 'string', value: (l) => l.spec.holderIdentity }],
};

const workloadScale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' };

export const deploymentType: ResourceType<Deployment> = {
  group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'],
  subresources: { status: true, scale: workloadScale },
  defaults: (o) => {
    if (!o.spec || typeof o.spec !== 'object') return;
    o.spec.replicas ??= 1;
    o.spec.revisionHistoryLimit ??= 10;
    o.spec.progressDeadlineSeconds ??= 600;
    o.spec.strategy ??= { type: 'RollingUpdate' };
    if (o.spec.strategy.type === 'RollingUpdate' || o.spec.strategy.type === undefined) {
      o.spec.strategy.type = 'RollingUpdate';
      o.spec.strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%', ...(o.spec.strategy.rollingUpdate ?? {}) };
    }
    defaultPodSpec(o.spec.template?.spec);
  },
  validate: (o) => validateWorkloadSpec(o.spec, true),
  printerColumns: [
    { name: 'Ready', type: 'string', value: (d) => `${String(d.status?.readyReplicas ?? 0)}/${String(d.spec.replicas ?? 0)}` },
    { name: 'Up-to-date', type: 'integer', value: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', value: (d) => d.status?.availableReplicas ?? 0 },
  ],
};

export const replicaSetType: ResourceType<ReplicaSet> = {
  group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'],
  subresources: { status: true, scale: workloadScale },
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

/** Every type a member cluster serves. */
export const memberResourceTypes: ResourceType[] = [
  namespaceType, podType, nodeType, serviceType, endpointsType, configMapType, secretType, eventType, leaseType, deploymentType, replicaSetType,
] as unknown as ResourceType[];

const gvr = (group: string, version: string, resource: string): GroupVersionResource => ({ group, version, resource });
export const NAMESPACES = gvr('', 'v1', 'namespaces');
export const PODS = gvr('', 'v1', 'pods');
export const NODES = gvr('', 'v1', 'nodes');
export const SERVICES = gvr('', 'v1', 'services');
export const ENDPOINTS = gvr('', 'v1', 'endpoints');
export const CONFIGMAPS = gvr('', 'v1', 'configmaps');
export const SECRETS = gvr('', 'v1', 'secrets');
export const EVENTS = gvr('', 'v1', 'events');
export const LEASES = gvr('coordination.k8s.io', 'v1', 'leases');
export const DEPLOYMENTS = gvr('apps', 'v1', 'deployments');
export const REPLICASETS = gvr('apps', 'v1', 'replicasets');
