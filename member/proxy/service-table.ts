/**
 * What the proxy should serve, computed from the informer caches (level-triggered): one
 * {@link FrontendSpec} per protocol, address and port, with the ready backends behind it. Services
 * and ServiceImports alike take their backends from EndpointSlices ({@link sliceBackends}).
 */
import { isLoopback } from '../../machinery/cmd/flags.js';
import type { Node } from '../../api/index.js';
import {
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  type EndpointSlice,
  type ProxyService,
  type ServiceImport,
  type SessionAffinitySpec,
} from './proxy-types.js';

/** Protocols the proxy serves (SCTP ports are skipped). */
export type ProxyProtocol = 'TCP' | 'UDP';

/** One endpoint: an address and port traffic is forwarded to. */
export interface Backend {
  ip: string;
  port: number;
}

/** Why an address is served: a Service ClusterIP, a node port, or a cluster-set IP. */
export type FrontendKind = 'ClusterIP' | 'NodePort' | 'ClusterSetIP';

/** One listening address and what it forwards to. */
export interface FrontendSpec {
  /** `PROTOCOL/ip:port`: the identity of the listener. */
  key: string;
  kind: FrontendKind;
  protocol: ProxyProtocol;
  ip: string;
  port: number;
  /** `namespace/name:port-name` of the Service or ServiceImport port (logs, metrics). */
  servicePort: string;
  /** Ready backends, in a stable order (round robin walks it). */
  backends: Backend[];
  /** ClientIP affinity timeout in ms; undefined without affinity. */
  affinityMs: number | undefined;
}

/** The caches the table is computed from. */
export interface ServiceTableInput {
  services: readonly ProxyService[];
  /** EndpointSlices of `namespace` labelled `kubernetes.io/service-name` with the Service's name. */
  serviceSlices: (namespace: string, serviceName: string) => EndpointSlice[];
  nodes: readonly Node[];
  serviceImports: readonly ServiceImport[];
  /** EndpointSlices of `namespace` labelled with the import's name. */
  importSlices: (namespace: string, importName: string) => EndpointSlice[];
}

/** A frontend was skipped: it lies outside 127.0.0.0/8 (the proxy never listens there). */
export interface SkippedFrontend {
  servicePort: string;
  ip: string;
}

const protocolOf = (p: string | undefined): ProxyProtocol | undefined =>
  p === undefined || p === 'TCP' ? 'TCP' : p === 'UDP' ? 'UDP' : undefined;

/** Port names match when equal, an unnamed port matching an unnamed (or nameless '') one. */
const sameName = (a: string | undefined, b: string | undefined): boolean => (a ?? '') === (b ?? '');

function affinityMs(s: SessionAffinitySpec | undefined): number | undefined {
  if (s?.sessionAffinity !== 'ClientIP') return undefined;
  const t = s.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  return (t !== undefined && t > 0 ? t : DEFAULT_AFFINITY_TIMEOUT_SECONDS) * 1000;
}

const byAddress = (a: Backend, b: Backend): number =>
  a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1;

/**
 * Backends of a Service or import port from its EndpointSlices (the slice port of the same name
 * and protocol; IPv4 slices only), each address once. Ready endpoints serve; only when none is
 * ready do the terminating endpoints that are still serving take the traffic, as kube-proxy does
 * (a rolling update whose old pods drain while no new pod is ready yet). Absent conditions follow
 * the EndpointSlice API: ready unknown counts as ready, serving unknown as the ready value,
 * terminating unknown as false.
 */
export function sliceBackends(
  slices: readonly EndpointSlice[],
  portName: string | undefined,
  protocol: ProxyProtocol,
): Backend[] {
  const ready = new Map<string, Backend>();
  const draining = new Map<string, Backend>();
  for (const slice of slices) {
    if (slice.addressType !== undefined && slice.addressType !== 'IPv4') continue;
    const port = slice.ports?.find(
      (p) => sameName(p.name, portName) && (protocolOf(p.protocol) ?? 'SCTP') === protocol,
    );
    if (port?.port === undefined) continue;
    for (const e of slice.endpoints ?? []) {
      const c = e.conditions ?? {};
      const isReady = c.ready !== false;
      const servingTerminating = !isReady && c.serving === true && c.terminating === true;
      const to = isReady ? ready : servingTerminating ? draining : undefined;
      for (const ip of e.addresses ?? []) {
        to?.set(`${ip}:${String(port.port)}`, { ip, port: port.port });
      }
    }
  }
  return [...(ready.size > 0 ? ready : draining).values()].sort(byAddress);
}

/** InternalIPs of every Node (the addresses node ports are served on). */
export function nodeAddresses(nodes: readonly Node[]): string[] {
  const out = new Set<string>();
  for (const n of nodes) {
    for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP') out.add(a.address);
  }
  return [...out].sort();
}

/**
 * Every frontend the proxy should serve, and those refused because their address lies outside
 * 127.0.0.0/8. Headless and ExternalName Services, SCTP ports and Headless imports get none.
 */
export function buildServiceTable(input: ServiceTableInput): {
  frontends: FrontendSpec[];
  skipped: SkippedFrontend[];
} {
  const frontends = new Map<string, FrontendSpec>();
  const skipped: SkippedFrontend[] = [];
  const add = (f: Omit<FrontendSpec, 'key'>): void => {
    if (!isLoopback(f.ip)) {
      skipped.push({ servicePort: f.servicePort, ip: f.ip });
      return;
    }
    const key = `${f.protocol}/${f.ip}:${String(f.port)}`;
    // two Services claiming one address: the first (stable order) wins, as a listener would
    if (!frontends.has(key)) frontends.set(key, { ...f, key });
  };
  const nodeIps = nodeAddresses(input.nodes);
  const services = [...input.services].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  for (const svc of services) {
    const ip = svc.spec.clusterIP;
    const type = svc.spec.type ?? 'ClusterIP';
    if (type === 'ExternalName' || ip === undefined || ip === '' || ip === 'None') continue;
    const ns = svc.metadata.namespace ?? '';
    const slices = input.serviceSlices(ns, svc.metadata.name ?? '');
    const affinity = affinityMs(svc.spec);
    for (const p of svc.spec.ports ?? []) {
      const protocol = protocolOf(p.protocol);
      if (!protocol) continue;
      const base = {
        protocol,
        servicePort: `${keyOf(svc)}:${p.name ?? String(p.port)}`,
        backends: sliceBackends(slices, p.name, protocol),
        affinityMs: affinity,
      };
      add({ ...base, kind: 'ClusterIP', ip, port: p.port });
      if ((type === 'NodePort' || type === 'LoadBalancer') && p.nodePort) {
        for (const nodeIp of nodeIps) {
          add({ ...base, kind: 'NodePort', ip: nodeIp, port: p.nodePort });
        }
      }
    }
  }
  const imports = [...input.serviceImports].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  for (const si of imports) {
    const ip = si.spec?.ips?.[0];
    if (si.spec?.type === 'Headless' || ip === undefined || ip === '') continue;
    const slices = input.importSlices(si.metadata.namespace ?? '', si.metadata.name ?? '');
    for (const p of si.spec?.ports ?? []) {
      const protocol = protocolOf(p.protocol);
      if (!protocol) continue;
      add({
        kind: 'ClusterSetIP',
        protocol,
        ip,
        port: p.port,
        servicePort: `${keyOf(si)}:${p.name ?? String(p.port)}`,
        backends: sliceBackends(slices, p.name, protocol),
        affinityMs: affinityMs(si.spec),
      });
    }
  }
  return { frontends: [...frontends.values()], skipped };
}

function keyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}
