/**
 * A selected pod as an EndpointSlice endpoint, and its ports, the way Kubernetes'
 * EndpointSlice controller computes them (`podToEndpoint`, `getEndpointPorts`,
 * `ShouldPodBeInEndpoints`).
 */
import type {
  EndpointSlicePort,
  Node,
  Pod,
  Service,
  ServicePort,
  SliceEndpoint,
} from '../../../api/index.js';
import { isPodReady } from '../pod-template.js';

/** Node label holding the node's zone (copied to each endpoint's `zone`). */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** The Service's selector picks the pod (an empty selector picks every pod of its namespace). */
export function selectsPod(svc: Service, pod: Pod): boolean {
  const sel = svc.spec.selector;
  if (!sel || svc.metadata.namespace !== pod.metadata.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/**
 * Whether a pod gets an endpoint: it has an IPv4 address and has not finished (a pod that will
 * not restart and has Succeeded or Failed). Terminating pods stay, with `terminating: true`.
 */
export function podHasEndpoint(pod: Pod): boolean {
  const ip = pod.status?.podIP;
  if (!ip || ip.includes(':')) return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** The container port a service port targets on this pod (a name is looked up per pod). */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The pod's ports for the Service: one per service port whose target the pod has. */
export function endpointPorts(pod: Pod, svc: Service): EndpointSlicePort[] {
  const out: EndpointSlicePort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port });
  }
  return out;
}

/**
 * The pod's endpoint: `serving` follows readiness, `terminating` a deletionTimestamp, and `ready`
 * is serving and not terminating (or always, with `publishNotReadyAddresses`). The hostname is
 * set when the pod's `subdomain` names this Service.
 */
export function podEndpoint(pod: Pod, svc: Service, node: Node | undefined): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const zone = node?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  const hostname = pod.spec.hostname;
  return {
    addresses: [pod.status?.podIP ?? ''],
    conditions: { ready, serving, terminating },
    ...(hostname && pod.spec.subdomain === svc.metadata.name ? { hostname } : {}),
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(pod.spec.nodeName && zone ? { zone } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
    },
  };
}
