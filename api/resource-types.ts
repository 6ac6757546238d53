/** core/v1 and coordination.k8s.io/v1 resource types, and the list a member serves. */
import type { KubeObject } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import type { Endpoints, Event, Lease, Node, Pod, Service } from './core-types.js';
import { defaultPodSpec, invalid, validatePodSpec, validateServiceSpec } from './validation.js';
import { podSpecMergeKeys } from './merge-keys.js';
import { admitPodUpdate, validateEphemeralContainers } from './pod-ephemeral-containers.js';
import { deploymentType, replicaSetType } from './apps-resource-types.js';
import { serviceAccountType } from './service-account-type.js';
import { cronJobType, jobType } from './batch-resource-types.js';
import { certificateSigningRequestType } from './certificates-types.js';
import { podDisruptionBudgetType } from './policy-types.js';
import { priorityClassType } from './scheduling-types.js';
import { resourceQuotaType } from './resource-quota.js';
import {
  horizontalPodAutoscalerType,
  horizontalPodAutoscalerV1Type,
} from './autoscaling-resource-types.js';
import { ingressClassType, ingressType } from './networking-types.js';
import { endpointSliceType } from './discovery-types.js';
import { eventsV1EventType } from './events-types.js';
import { serviceExportType, serviceImportType } from './multicluster-types.js';
import {
  controllerRevisionType,
  daemonSetType,
  statefulSetType,
} from './stateful-resource-types.js';

/** Status of condition `type` (undefined when absent). */
const cond = (
  o: { status?: { conditions?: { type: string; status: string }[] } },
  type: string,
): string | undefined => o.status?.conditions?.find((c) => c.type === type)?.status;

function podStatusColumn(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const cs of p.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) return cs.state.waiting.reason;
    if (cs.state?.terminated?.reason && p.status?.phase !== 'Succeeded') {
      return cs.state.terminated.reason;
    }
  }
  return p.status?.phase ?? 'Pending';
}

/**
 * Kubernetes' pod `CheckGracefulDelete`: the requested period, else the pod's
 * terminationGracePeriodSeconds (30); 0 for a pod no kubelet runs (not bound to a node) or one
 * whose containers already ended (Succeeded/Failed), so those go at once.
 */
function podDeletionGrace(p: Pod, requested: number | undefined): number {
  if (!p.spec.nodeName) return 0;
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 0;
  return requested ?? p.spec.terminationGracePeriodSeconds ?? 30;
}

/** `namespace` resource type. */
export const namespaceType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  subresources: { status: true },
  defaults: (o) => {
    o.spec ??= {};
    if (
      !o.metadata.deletionTimestamp &&
      !(o.metadata.finalizers ?? []).includes('kubernetes') &&
      o.metadata.resourceVersion === undefined
    ) {
      o.metadata.finalizers = [...(o.metadata.finalizers ?? []), 'kubernetes'];
      // as Kubernetes shows it: the namespace controller's finalizer, released by namespaces/finalize
      const spec = o.spec as { finalizers?: string[] };
      spec.finalizers ??= ['kubernetes'];
    }
    o.status ??= { phase: 'Active' };
  },
  fieldSelectors: { 'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase },
  printerColumns: [
    {
      name: 'Status',
      type: 'string',
      value: (o) => (o.status as { phase?: string } | undefined)?.phase ?? 'Active',
    },
  ],
};

/** `pod` resource type. */
export const podType: ResourceType<Pod> = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: { status: true },
  patchMergeKeys: {
    ...podSpecMergeKeys('.spec'),
    '.status.conditions': 'type',
    '.status.containerStatuses': 'name',
    '.status.ephemeralContainerStatuses': 'name',
  },
  defaults: (o) => defaultPodSpec(o.spec),
  validate: (o, old) => {
    const out = validatePodSpec(o.spec, 'spec');
    if (old && old.spec.nodeName && o.spec.nodeName !== old.spec.nodeName) {
      out.push(invalid('spec.nodeName', o.spec.nodeName, 'field is immutable once set'));
    }
    if (out.length === 0) out.push(...validateEphemeralContainers(o.spec, old?.spec));
    return out;
  },
  // spec.ephemeralContainers only through pods/ephemeralcontainers
  admitUpdate: admitPodUpdate,
  gracefulDeletion: podDeletionGrace,
  fieldSelectors: {
    'spec.nodeName': (o) => o.spec.nodeName ?? '',
    'status.phase': (o) => o.status?.phase ?? '',
    'spec.schedulerName': (o) => o.spec.schedulerName ?? '',
  },
  printerColumns: [
    {
      name: 'Ready',
      type: 'string',
      value: (p) =>
        `${String((p.status?.containerStatuses ?? []).filter((c) => c.ready).length)}/${String(p.spec.containers.length)}`,
    },
    { name: 'Status', type: 'string', value: podStatusColumn },
    {
      name: 'Restarts',
      type: 'integer',
      value: (p) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
    },
    { name: 'IP', type: 'string', value: (p) => p.status?.podIP, priority: 1 },
    { name: 'Node', type: 'string', value: (p) => p.spec.nodeName, priority: 1 },
  ],
};

/** `node` resource type. */
export const nodeType: ResourceType<Node> = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  subresources: { status: true },
  patchMergeKeys: {
    '.status.conditions': 'type',
    '.status.addresses': 'type',
    '.spec.taints': 'key',
  },
  printerColumns: [
    {
      name: 'Status',
      type: 'string',
      value: (n) =>
        `${cond(n, 'Ready') === 'True' ? 'Ready' : 'NotReady'}${n.spec?.unschedulable ? ',SchedulingDisabled' : ''}`,
    },
    {
      name: 'Internal-IP',
      type: 'string',
      value: (n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
      priority: 1,
    },
  ],
};

/** `service` resource type. */
export const serviceType: ResourceType<Service> = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
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
  validate: (o, old) => validateServiceSpec(o, old),
  printerColumns: [
    { name: 'Type', type: 'string', value: (s) => s.spec.type },
    { name: 'Cluster-IP', type: 'string', value: (s) => s.spec.clusterIP || '<none>' },
    { name: 'External-IP', type: 'string', value: serviceExternalIp },
    {
      name: 'Port(s)',
      type: 'string',
      value: (s) =>
        (s.spec.ports ?? [])
          .map(
            (p) =>
              `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${p.protocol ?? 'TCP'}`,
          )
          .join(',') || '<none>',
    },
  ],
};

/**
 * A Service's EXTERNAL-IP column as kubectl prints it: the external name of an ExternalName
 * Service, a LoadBalancer's ingress addresses (`<pending>` until a load balancer reports one),
 * otherwise the external IPs or `<none>`.
 */
function serviceExternalIp(s: Service): string {
  const external = s.spec.externalIPs ?? [];
  switch (s.spec.type) {
    case 'ExternalName':
      return s.spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const ingress = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
      const all = [...ingress.filter((a) => a !== ''), ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    default:
      return external.length > 0 ? external.join(',') : '<none>';
  }
}

/** `endpoints` resource type. */
export const endpointsType: ResourceType<Endpoints> = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  printerColumns: [
    {
      name: 'Endpoints',
      type: 'string',
      value: (e) =>
        (e.subsets ?? [])
          .flatMap((s) =>
            (s.addresses ?? []).flatMap((a) =>
              (s.ports ?? []).map((p) => `${a.ip}:${String(p.port)}`),
            ),
          )
          .join(',') || '<none>',
    },
  ],
};

/** `configMap` resource type. */
export const configMapType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  validate: (o) =>
    o.data !== undefined &&
    (typeof o.data !== 'object' ||
      o.data === null ||
      Object.values(o.data).some((v) => typeof v !== 'string'))
      ? [invalid('data', o.data, 'values must be strings')]
      : [],
  printerColumns: [
    {
      name: 'Data',
      type: 'integer',
      value: (o: KubeObject) => Object.keys((o.data as object | undefined) ?? {}).length,
    },
  ],
};

/** `secret` resource type. */
export const secretType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
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

/** `event` resource type. */
export const eventType: ResourceType<Event> = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  fieldSelectors: {
    'involvedObject.kind': (e) => e.involvedObject.kind,
    'involvedObject.name': (e) => e.involvedObject.name,
    'involvedObject.namespace': (e) => e.involvedObject.namespace,
    'involvedObject.uid': (e) => e.involvedObject.uid,
    // the rest of kube-apiserver's Event fields (kubectl events --for selects on apiVersion)
    'involvedObject.apiVersion': (e) => e.involvedObject.apiVersion,
    'involvedObject.resourceVersion': (e) => e.involvedObject.resourceVersion,
    'involvedObject.fieldPath': (e) => e.involvedObject.fieldPath,
    reason: (e) => e.reason,
    reportingComponent: (e) => e.reportingComponent,
    source: (e) => e.source?.component,
    type: (e) => e.type,
  },
  printerColumns: [
    { name: 'Type', type: 'string', value: (e) => e.type },
    { name: 'Reason', type: 'string', value: (e) => e.reason },
    {
      name: 'Object',
      type: 'string',
      value: (e) => `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`,
    },
    { name: 'Message', type: 'string', value: (e) => e.message },
  ],
};

/** `lease` resource type. */
export const leaseType: ResourceType<Lease> = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  printerColumns: [{ name: 'Holder', type: 'string', value: (l) => l.spec.holderIdentity }],
};

/** Every type a member cluster serves. */
export const memberResourceTypes: ResourceType[] = [
  namespaceType,
  podType,
  nodeType,
  serviceType,
  endpointsType,
  configMapType,
  secretType,
  serviceAccountType,
  eventType,
  // the same objects as events.k8s.io/v1 (one storage, two versions)
  eventsV1EventType,
  leaseType,
  deploymentType,
  replicaSetType,
  statefulSetType,
  daemonSetType,
  controllerRevisionType,
  jobType,
  cronJobType,
  certificateSigningRequestType,
  podDisruptionBudgetType,
  // v2 first: the preferred version of the group; v1 is a view of the same objects
  horizontalPodAutoscalerType,
  horizontalPodAutoscalerV1Type,
  priorityClassType,
  resourceQuotaType,
  ingressType,
  ingressClassType,
  endpointSliceType,
  serviceExportType,
  serviceImportType,
] as unknown as ResourceType[];
