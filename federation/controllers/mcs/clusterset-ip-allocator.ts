import { ClustersetIpRangeExhaustedError } from './errors.js';

/** The loopback block every cluster-set IP range must sit in (nothing else is ever handed out). */
const LOOPBACK = { base: 0x7f000000, bits: 8 };

/** An IPv4 CIDR as numbers: its first address and prefix length. */
export interface Ipv4Cidr {
  base: number;
  bits: number;
}

const toInt = (ip: string): number | undefined => {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
};
const toIp = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map(String).join('.');
const size = (c: Ipv4Cidr): number => 2 ** (32 - c.bits);

/** Parses `a.b.c.d/n`; undefined when it is not an IPv4 CIDR with its host bits zero. */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const [ip = '', prefix = '', ...rest] = cidr.split('/');
  const base = toInt(ip);
  if (rest.length > 0 || base === undefined || !/^\d{1,2}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  if (bits > 32 || base % 2 ** (32 - bits) !== 0) return undefined;
  return { base, bits };
}

/** Every problem with a cluster-set IP range (`--clusterset-ip-range`); empty when usable. */
export function validateClustersetIpRange(cidr: string): string[] {
  const c = parseIpv4Cidr(cidr);
  if (!c) return [`${JSON.stringify(cidr)} is not an IPv4 CIDR (a.b.c.d/n, host bits zero)`];
  const out: string[] = [];
  if (c.bits < LOOPBACK.bits || c.base >>> 24 !== LOOPBACK.base >>> 24) {
    out.push(`${cidr} must be inside 127.0.0.0/8`);
  }
  if (c.bits > 30) out.push(`${cidr} is too small: a /30 or larger range is needed`);
  return out;
}

/** A random /24 inside 127.64.0.0/10 (in-process planes: parallel tests never share a range). */
export function randomClustersetIpRange(): string {
  const n = 0x7f400000 + Math.floor(Math.random() * 2 ** 14) * 256;
  return `${toIp(n)}/24`;
}

/**
 * Hands out cluster-set IPs from one IPv4 range, skipping its network and broadcast addresses.
 * Held in memory only: the federation's ServiceImports are the record, and the MCS controller
 * {@link reserve}s their IPs before it allocates anything after a restart.
 */
export class ClustersetIpAllocator {
  readonly range: string;
  private readonly cidr: Ipv4Cidr;
  private readonly used = new Set<number>();
  /** Where the next search starts (round robin, so a released IP is not reused at once). */
  private next = 1;

  /** @throws Error when `range` is not a valid cluster-set range ({@link validateClustersetIpRange}) */
  constructor(range: string) {
    const problems = validateClustersetIpRange(range);
    const cidr = parseIpv4Cidr(range);
    if (problems.length > 0 || !cidr) {
      throw new Error(`cluster-set IP range: ${problems.join('; ')}`);
    }
    this.range = range;
    this.cidr = cidr;
  }

  /** True when `ip` is a usable address of the range. */
  contains(ip: string): boolean {
    const n = toInt(ip);
    if (n === undefined) return false;
    const off = n - this.cidr.base;
    return off >= 1 && off < size(this.cidr) - 1;
  }

  /** Marks `ip` taken (recovery from stored imports); false when it is not in the range. */
  reserve(ip: string): boolean {
    if (!this.contains(ip)) return false;
    this.used.add((toInt(ip) ?? 0) - this.cidr.base);
    return true;
  }

  /** True when `ip` is currently taken. */
  isReserved(ip: string): boolean {
    return this.contains(ip) && this.used.has((toInt(ip) ?? 0) - this.cidr.base);
  }

  /** A free IP, now taken. @throws ClustersetIpRangeExhaustedError when none is left */
  allocate(): string {
    const n = size(this.cidr) - 2;
    for (let i = 0; i < n; i++) {
      const off = ((this.next - 1 + i) % n) + 1;
      if (this.used.has(off)) continue;
      this.used.add(off);
      this.next = (off % n) + 1;
      return toIp(this.cidr.base + off);
    }
    throw new ClustersetIpRangeExhaustedError(this.range);
  }

  /** Gives `ip` back (no-op when it is not taken or not in the range). */
  release(ip: string): void {
    if (this.contains(ip)) this.used.delete((toInt(ip) ?? 0) - this.cidr.base);
  }
}
