/**
 * IPv4 addresses and CIDRs as numbers, for the pod network: the cluster CIDR the node IPAM
 * controller cuts into node pod CIDRs, and the node pod CIDR the kubelet hands pod addresses from.
 * Flotilla's pod network lives on loopback, so every range must sit inside 127.0.0.0/8.
 */

/** An IPv4 CIDR: its network address (host bits zero) and prefix length. */
export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** The only range pod addresses may come from: loopback, so nothing leaves the machine. */
export const LOOPBACK_CIDR: Ipv4Cidr = { base: 127 * 2 ** 24, prefix: 8 };

/** The address as a number; undefined when `text` is not dotted-quad IPv4. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Dotted-quad text of an address number. */
export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => String(Math.floor(n / 2 ** s) % 256)).join('.');
}

/**
 * Parses `a.b.c.d/p`. Host bits must be zero (`127.1.0.5/16` is refused, as a typo there usually
 * means a wrong range); undefined when the text is not such a CIDR.
 */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const base = parseIpv4(m[1] ?? '');
  const prefix = Number(m[2]);
  if (base === undefined || prefix > 32) return undefined;
  if (base % cidrSize({ base: 0, prefix }) !== 0) return undefined;
  return { base, prefix };
}

/** `a.b.c.d/p`. */
export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.base)}/${String(c.prefix)}`;
}

/** Number of addresses in the CIDR. */
export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.base >= outer.base &&
    inner.base + cidrSize(inner) <= outer.base + cidrSize(outer)
  );
}

/** Whether the address lies inside the CIDR. */
export function cidrHas(c: Ipv4Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + cidrSize(c);
}

/** The longest node mask: network, gateway (.1), broadcast and at least one pod address. */
export const MAX_NODE_CIDR_MASK_SIZE = 30;

/**
 * What is wrong with a cluster CIDR and node mask size (`--cluster-cidr`,
 * `--node-cidr-mask-size`); empty when they fit together.
 */
export function clusterCidrProblems(
  clusterCidr: string,
  nodeCidrMaskSize: number,
): { field: 'clusterCidr' | 'nodeCidrMaskSize'; message: string }[] {
  const out: { field: 'clusterCidr' | 'nodeCidrMaskSize'; message: string }[] = [];
  const c = parseCidr(clusterCidr);
  if (!c) {
    out.push({
      field: 'clusterCidr',
      message: `"${clusterCidr}" is not an IPv4 CIDR (network address with host bits zero, e.g. 127.128.0.0/20)`,
    });
  } else if (!cidrContains(LOOPBACK_CIDR, c)) {
    out.push({
      field: 'clusterCidr',
      message: `${clusterCidr} is not inside 127.0.0.0/8: pod addresses are loopback addresses of this machine`,
    });
  }
  if (
    !Number.isInteger(nodeCidrMaskSize) ||
    nodeCidrMaskSize < 8 ||
    nodeCidrMaskSize > MAX_NODE_CIDR_MASK_SIZE
  ) {
    out.push({
      field: 'nodeCidrMaskSize',
      message: `must be an integer in 8..${String(MAX_NODE_CIDR_MASK_SIZE)}`,
    });
  } else if (c && nodeCidrMaskSize < c.prefix) {
    out.push({
      field: 'nodeCidrMaskSize',
      message: `${String(nodeCidrMaskSize)} is shorter than the cluster CIDR's prefix /${String(c.prefix)}`,
    });
  }
  return out;
}
