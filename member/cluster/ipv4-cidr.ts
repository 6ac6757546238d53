/** IPv4 CIDR arithmetic for the Service ClusterIP range (`--service-cluster-ip-range`). */

/** A parsed IPv4 CIDR: the network address as a number and the prefix length. */
export interface Ipv4Cidr {
  /** The network address (host bits cleared), as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  /** Number of addresses, network and broadcast included. */
  size: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as an unsigned 32-bit number, or undefined when it is not dotted IPv4. */
export function ipv4ToNumber(ip: string): number | undefined {
  const m = DOTTED.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/** Dotted form of an unsigned 32-bit number. */
export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => String(Math.floor(n / 2 ** s) % 256)).join('.');
}

/** Parses `a.b.c.d/p` (host bits must be zero); undefined when it is not an IPv4 CIDR. */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const [ip, p, ...rest] = cidr.split('/');
  if (ip === undefined || p === undefined || rest.length > 0 || !/^\d{1,2}$/.test(p)) {
    return undefined;
  }
  const base = ipv4ToNumber(ip);
  const prefix = Number(p);
  if (base === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { base, prefix, size };
}

/** True when `ip` lies inside `cidr`. */
export function cidrContains(cidr: Ipv4Cidr, ip: string): boolean {
  const n = ipv4ToNumber(ip);
  return n !== undefined && n >= cidr.base && n < cidr.base + cidr.size;
}

/** The address `offset` places into the range (1 → the first host address). */
export function nthAddress(cidr: Ipv4Cidr, offset: number): string {
  return numberToIpv4(cidr.base + offset);
}
