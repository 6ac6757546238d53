import { TYPE } from '../wire/dns-wire.js';
import type { ClusterEndpoints, ClusterTopology } from './federated-catalog.js';

/**
 * A region, or a zone within a region, as the labels of Federation v1's qualified names spell
 * them (lower case).
 */
export interface Locality {
  region: string;
  zone?: string;
}

/** A name below a region or zone apex `<fed>.svc.[<zone>.]<region>.<suffix>`. */
export interface LocalityName {
  scope: Locality;
  /** The apex: `<fed>.svc.<region>.<suffix>` or `<fed>.svc.<zone>.<region>.<suffix>`. */
  apex: string;
  /** Labels left of the apex (`[]` for the apex itself, `[<ns>]`, `[<svc>, <ns>]`, ...). */
  rel: string[];
}

/**
 * Splits a lower-case `name` of the shape `….<federation>.svc.<region>.<suffix>` (region name) or
 * `….<federation>.svc.<zone>.<region>.<suffix>` (zone name); undefined for any other name.
 */
export function parseLocalityName(
  name: string,
  federation: string,
  suffix: string,
): LocalityName | undefined {
  if (!name.endsWith(`.${suffix}`)) return undefined;
  const labels = name.slice(0, -suffix.length - 1).split('.');
  const n = labels.length;
  for (const width of [1, 2]) {
    const at = n - width - 2;
    if (at < 0 || labels[at] !== federation || labels[at + 1] !== 'svc') continue;
    const [first = '', second = ''] = labels.slice(n - width);
    const scope = width === 1 ? { region: first } : { region: second, zone: first };
    return { scope, apex: `${labels.slice(at).join('.')}.${suffix}`, rel: labels.slice(0, at) };
  }
  return undefined;
}

/** Whether cluster `c` (its region and zone compared case-insensitively) lies in `scope`. */
export function inLocality(c: ClusterTopology, scope: Locality): boolean {
  return (
    c.region?.toLowerCase() === scope.region &&
    (scope.zone === undefined || c.zone?.toLowerCase() === scope.zone)
  );
}

/** The apex of `scope` (`<fed>.svc.[<zone>.]<region>.<suffix>`), or of the global zone. */
export function localityApex(federation: string, suffix: string, scope?: Locality): string {
  if (!scope) return `${federation}.svc.${suffix}`;
  const where = scope.zone === undefined ? scope.region : `${scope.zone}.${scope.region}`;
  return `${federation}.svc.${where}.${suffix}`;
}

/** Every region and zone apex the clusters of `topology` make exist. */
export function localityApexes(
  federation: string,
  suffix: string,
  topology: ClusterTopology[],
): string[] {
  const out = new Set<string>();
  for (const c of topology) {
    const region = c.region?.toLowerCase();
    if (!region) continue;
    out.add(localityApex(federation, suffix, { region }));
    const zone = c.zone?.toLowerCase();
    if (zone) out.add(localityApex(federation, suffix, { region, zone }));
  }
  return [...out];
}

/** One record in dns2's resource shape. */
type Rr = Record<string, unknown>;

/** A question to a region or zone service name, with what answering it needs. */
export interface LocalityQuestion {
  /** The question's name, as asked. */
  name: string;
  type: number;
  ttl: number;
  svc: string;
  ns: string;
  scope: Locality;
  federation: string;
  suffix: string;
  /** Every cluster with its region, zone and ready endpoints of the service. */
  clusters: ClusterEndpoints[];
  /** Addresses the global name answers this client (its locality preference); [] = NXDOMAIN. */
  global: () => string[];
}

/**
 * The answer to a region or zone service name: its records, whether the chain ends in NXDOMAIN,
 * and the zone whose SOA goes in the authority section when the chain ends without data.
 */
export interface LocalityAnswer {
  answers: Rr[];
  nxdomain: boolean;
  negativeZone: string | undefined;
}

const aRecords = (name: string, ips: string[], ttl: number): Rr[] =>
  // sorted here; the resolver's cache rotates the order between replays (round robin)
  [...new Set(ips)].sort().map((ip) => ({ name, type: TYPE.A, class: 1, ttl, address: ip }));

/**
 * Federation v1 qualified names: a zone (region) name answers the ready endpoints of the Ready
 * clusters in that zone (region); with none it is a CNAME to the region (global) name, and since
 * the resolver is authoritative for the target it follows the chain in the same answer, as an
 * authoritative server does (RFC 1034 §4.3.2), unless CNAME itself was asked. The global name
 * answers as {@link LocalityQuestion.global} says. Undefined when no cluster has that region or
 * zone (NXDOMAIN).
 */
export function localityAnswer(q: LocalityQuestion): LocalityAnswer | undefined {
  if (!q.clusters.some((c) => inLocality(c, q.scope))) return undefined;
  const wantsA = q.type === TYPE.A || q.type === TYPE.ANY;
  const answers: Rr[] = [];
  let name = q.name;
  let scope: Locality | undefined = q.scope;
  while (scope) {
    const here: Locality = scope;
    const ips = q.clusters.filter((c) => inLocality(c, here)).flatMap((c) => c.ips);
    if (ips.length > 0) {
      if (!wantsA) return { answers, nxdomain: false, negativeZone: apexOf(q, here) };
      return {
        answers: [...answers, ...aRecords(name, ips, q.ttl)],
        nxdomain: false,
        negativeZone: undefined,
      };
    }
    const wider: Locality | undefined =
      here.zone === undefined ? undefined : { region: here.region };
    const target = `${q.svc}.${q.ns}.${localityApex(q.federation, q.suffix, wider)}`;
    answers.push({ name, type: TYPE.CNAME, class: 1, ttl: q.ttl, domain: target });
    if (q.type === TYPE.CNAME) return { answers, nxdomain: false, negativeZone: undefined };
    name = target;
    scope = wider;
  }
  const ips = q.global();
  const globalZone = localityApex(q.federation, q.suffix);
  if (ips.length === 0) return { answers, nxdomain: true, negativeZone: globalZone };
  if (!wantsA) return { answers, nxdomain: false, negativeZone: globalZone };
  return {
    answers: [...answers, ...aRecords(name, ips, q.ttl)],
    nxdomain: false,
    negativeZone: undefined,
  };
}

const apexOf = (q: LocalityQuestion, scope: Locality): string =>
  localityApex(q.federation, q.suffix, scope);
