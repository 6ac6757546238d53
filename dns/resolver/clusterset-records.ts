import { isIPv6 } from 'node:net';
import { TYPE } from '../wire/dns-wire.js';
import { LABEL_MCS_SOURCE_CLUSTER, type EndpointSlicePort } from '../../api/index.js';
import type { ClusterSetCatalog } from './clusterset-catalog.js';

/** A port of a ServiceImport or an EndpointSlice (protocol defaults to TCP). */
type ClusterSetPort = Pick<EndpointSlicePort, 'name' | 'protocol' | 'port'>;

/** The MCS zone (KEP-1645: `<clustersetzone>` must be `clusterset.local`). */
export const CLUSTERSET_ZONE = 'clusterset.local';

/** One record in dns2's resource shape. */
export type ClusterSetRecord = Record<string, unknown>;

/** Answer and additional records of a name that exists (an empty answer is NODATA). */
export interface ClusterSetAnswer {
  answers: ClusterSetRecord[];
  additionals: ClusterSetRecord[];
}

/** One question below `<svc>.<ns>.svc.clusterset.local`. */
export interface ClusterSetQuestion {
  /** The question's name, as asked. */
  name: string;
  type: number;
  ns: string;
  svc: string;
  /** Labels left of `<svc>.<ns>.svc` (lower case): [] for the service, [host, cluster], [_port, _proto]. */
  sub: string[];
  ttl: number;
}

/** A ready endpoint of a headless import: its DNS label, its source cluster, its addresses and ports. */
interface ReadyEndpoint {
  host: string;
  cluster: string;
  addresses: string[];
  ports: ClusterSetPort[];
}

/** The endpoint's DNS label: its hostname, else its first address dashed (as CoreDNS does). */
const hostLabel = (hostname: string | null | undefined, address: string): string =>
  (hostname ?? address.replace(/[.:]/g, '-')).toLowerCase();

const matches = (p: ClusterSetPort, port: string, proto: string): boolean =>
  p.port !== undefined &&
  p.name?.toLowerCase() === port &&
  (p.protocol ?? 'TCP').toLowerCase() === proto;

/**
 * Ready endpoints across the service's slices; an endpoint whose `ready` condition is unset counts
 * as ready (discovery.k8s.io/v1: "nil should be interpreted as ready").
 */
function readyEndpoints(catalog: ClusterSetCatalog, ns: string, svc: string): ReadyEndpoint[] {
  return catalog.endpointSlices(ns, svc).flatMap((s) => {
    const cluster = (s.metadata.labels?.[LABEL_MCS_SOURCE_CLUSTER] ?? '').toLowerCase();
    return (s.endpoints ?? [])
      .filter((e) => e.conditions?.ready !== false && e.addresses.length > 0)
      .map((e) => ({
        host: hostLabel(e.hostname, e.addresses[0] ?? ''),
        cluster,
        addresses: e.addresses,
        ports: s.ports ?? [],
      }));
  });
}

/**
 * Answers the Multicluster DNS specification 1.0.0 (KEP-1645) below
 * `<svc>.<ns>.svc.clusterset.local` from ServiceImports and imported EndpointSlices:
 * - ClusterSetIP import: A/AAAA = `spec.ips`; `_<port>._<proto>` SRV → the service name;
 * - Headless import: A/AAAA = ready endpoint addresses of every cluster (none → NXDOMAIN);
 *   `<hostname>.<clusterid>` A/AAAA per endpoint; SRV → those names (N endpoints × matching port);
 * - `_<proto>` and, for headless, `<clusterid>` are empty non-terminals (NODATA) while they have
 *   names below them; everything else, and any service without a ServiceImport, is NXDOMAIN.
 * Returns undefined for NXDOMAIN. `<clusterid>.<svc>...` never has records of its own.
 */
export function clusterSetRecords(
  catalog: ClusterSetCatalog,
  q: ClusterSetQuestion,
): ClusterSetAnswer | undefined {
  const imp = catalog.serviceImport(q.ns, q.svc);
  if (!imp) return undefined;
  const base = `${q.svc}.${q.ns}.svc.${CLUSTERSET_ZONE}`;
  const headless = imp.spec.type === 'Headless';
  const eps = headless ? readyEndpoints(catalog, q.ns, q.svc) : [];
  const rec = (name: string, type: number, fields: ClusterSetRecord): ClusterSetRecord => ({
    name,
    type,
    class: 1,
    ttl: q.ttl,
    ...fields,
  });
  const addr = (name: string, ips: string[]): ClusterSetRecord[] =>
    // sorted here; the resolver's cache rotates the order between replays (round robin)
    [...new Set(ips)]
      .sort()
      .map((ip) => rec(name, isIPv6(ip) ? TYPE.AAAA : TYPE.A, { address: ip }));
  const want = (answers: ClusterSetRecord[], extra: ClusterSetRecord[] = []): ClusterSetAnswer => {
    const hit = answers.filter((a) => q.type === TYPE.ANY || a.type === q.type);
    return { answers: hit, additionals: hit.length > 0 ? extra : [] };
  };
  const [first = '', second = ''] = q.sub;
  if (q.sub.length === 0) {
    if (!headless) return want(addr(q.name, imp.spec.ips ?? []));
    const all = eps.flatMap((e) => e.addresses);
    return all.length > 0 ? want(addr(q.name, all)) : undefined;
  }
  const ports = headless ? eps.flatMap((e) => e.ports) : (imp.spec.ports ?? []);
  if (q.sub.length === 1) {
    const proto = first.slice(1);
    const branch = first.startsWith('_')
      ? ports.some((p) => p.name && (p.protocol ?? 'TCP').toLowerCase() === proto)
      : eps.some((e) => e.cluster === first);
    return branch ? want([]) : undefined;
  }
  if (q.sub.length !== 2) return undefined;
  if (first.startsWith('_') && second.startsWith('_')) {
    const [port, proto] = [first.slice(1), second.slice(1)];
    if (!headless) {
      const p = (imp.spec.ports ?? []).find((x) => matches(x, port, proto));
      if (p?.port === undefined) return undefined;
      const srv = { priority: 0, weight: 100, port: p.port, target: base };
      return want([rec(q.name, TYPE.SRV, srv)], addr(base, imp.spec.ips ?? []));
    }
    const answers: ClusterSetRecord[] = [];
    const extra: ClusterSetRecord[] = [];
    for (const e of eps) {
      const p = e.ports.find((x) => matches(x, port, proto));
      if (p?.port === undefined) continue;
      const target = `${e.host}.${e.cluster}.${base}`;
      answers.push(rec(q.name, TYPE.SRV, { priority: 0, weight: 100, port: p.port, target }));
      extra.push(...addr(target, e.addresses));
    }
    return answers.length > 0 ? want(answers, extra) : undefined;
  }
  const hits = eps.filter((e) => e.host === first && e.cluster === second);
  return hits.length > 0
    ? want(
        addr(
          q.name,
          hits.flatMap((e) => e.addresses),
        ),
      )
    : undefined;
}
