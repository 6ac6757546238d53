import { InvalidError } from '../../machinery/errors/index.js';
import { cidrContains, nthAddress, parseIpv4Cidr, type Ipv4Cidr } from './ipv4-cidr.js';

/** The default `--service-cluster-ip-range`. */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
/** Offset of `default/kubernetes` in the range (its first address, as in Kubernetes). */
export const KUBERNETES_SERVICE_OFFSET = 1;
/** Offset of `kube-system/kube-dns` in the range (the tenth address, as kubeadm picks). */
export const KUBE_DNS_SERVICE_OFFSET = 10;

/** Options for {@link ClusterIpAllocator}. */
export interface ClusterIpAllocatorOptions {
  /** Clock for reservation times. @defaultValue Date.now */
  now?: () => number;
  /** The IPv4 range, /8../28. @defaultValue {@link DEFAULT_SERVICE_CLUSTER_IP_RANGE} */
  range?: string;
}

/**
 * Hands out Service ClusterIPs from one IPv4 range (`--service-cluster-ip-range`, 10.96.0.0/16 by
 * default). A range inside 127.0.0.0/8 makes them real: the member's service proxy listens on
 * them. Elsewhere they are virtual (only the DNS answers with them). Network and broadcast
 * addresses are never handed out, and allocation starts after the tenth address, so `.1`
 * (`kubernetes`) and `.10` (`kube-dns`) stay free for the default Services.
 * Addresses go back to the pool through `release` (a create refused by validation) and
 * `releaseUnused` (the repair controller: deleted Services and writes that failed later).
 */
export class ClusterIpAllocator {
  /** address → when it was last reserved or allocated. */
  private readonly used = new Map<string, number>();
  private readonly now: () => number;
  /** The range, as given. */
  readonly range: string;
  private readonly cidr: Ipv4Cidr;
  private next = KUBE_DNS_SERVICE_OFFSET + 1;

  constructor(opts: ClusterIpAllocatorOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.range = opts.range ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE;
    const cidr = parseIpv4Cidr(this.range);
    if (!cidr || cidr.prefix < 8 || cidr.prefix > 28) {
      throw new TypeError(`service ClusterIP range "${this.range}" is not an IPv4 CIDR /8../28`);
    }
    this.cidr = cidr;
  }

  /** The address of `default/kubernetes`: the first of the range. */
  get kubernetesIp(): string {
    return nthAddress(this.cidr, KUBERNETES_SERVICE_OFFSET);
  }

  /** The address of `kube-system/kube-dns`: the tenth of the range. */
  get dnsIp(): string {
    return nthAddress(this.cidr, KUBE_DNS_SERVICE_OFFSET);
  }

  /** Marks an address as taken (existing Services at start-up, or a user-chosen clusterIP). */
  reserve(ip: string): void {
    this.used.set(ip, this.now());
  }

  /** Returns an address to the pool. */
  release(ip: string): void {
    this.used.delete(ip);
  }

  /** True when the address is allocated or reserved. */
  isUsed(ip: string): boolean {
    return this.used.has(ip);
  }

  /** Number of addresses in use. */
  get size(): number {
    return this.used.size;
  }

  /**
   * Releases every address not in `inUse` that was reserved more than `graceMs` ago (younger ones
   * may belong to a create still on its way to storage or to the caller's cache); returns them.
   */
  releaseUnused(inUse: ReadonlySet<string>, graceMs: number): string[] {
    const cutoff = this.now() - graceMs;
    const freed: string[] = [];
    for (const [ip, at] of this.used) {
      if (!inUse.has(ip) && at <= cutoff) {
        this.used.delete(ip);
        freed.push(ip);
      }
    }
    return freed;
  }

  /** True when `ip` lies in the service range. */
  inRange(ip: string): boolean {
    return cidrContains(this.cidr, ip);
  }

  /** The next free address; throws InvalidError when the range is exhausted. */
  allocate(): string {
    // host offsets 1 .. size-2 (no network, no broadcast address)
    const hosts = this.cidr.size - 2;
    for (let i = 0; i < hosts; i++) {
      const offset = ((this.next++ - 1) % hosts) + 1;
      const ip = nthAddress(this.cidr, offset);
      if (!this.used.has(ip)) {
        this.used.set(ip, this.now());
        return ip;
      }
    }
    throw new InvalidError(`service ClusterIP range ${this.range} is exhausted`, {
      kind: 'Service',
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: 'range is full' }],
    });
  }
}
