import {
  cidrHas,
  cidrSize,
  formatIpv4,
  parseCidr,
  parseIpv4,
  type Ipv4Cidr,
} from '../controllers/nodeipam/cidr.js';
import { PodCidrExhaustedError } from './errors/pod-cidr-exhausted-error.js';

/**
 * The addresses of one node's pod CIDR (the job of a CNI's host-local IPAM): every pod gets one,
 * never the network address, the gateway (`.1` of the block) or the broadcast address. A pod keeps
 * its address for as long as it holds it (by uid); `recover` re-registers addresses pods already
 * have after a kubelet restart. Allocation goes round-robin from after the last address handed
 * out, so a just-released address is not given to the next pod at once.
 */
export class PodAddressAllocator {
  readonly podCidr: string;
  private readonly cidr: Ipv4Cidr;
  /** address → pod uid. */
  private readonly owners = new Map<number, string>();
  /** pod uid → address. */
  private readonly byPod = new Map<string, number>();
  private next: number;

  /** @throws TypeError when `podCidr` is not an IPv4 CIDR with room for one pod. */
  constructor(podCidr: string) {
    const c = parseCidr(podCidr);
    if (!c || c.prefix > 30) throw new TypeError(`pod CIDR ${podCidr} has no pod addresses`);
    this.podCidr = podCidr;
    this.cidr = c;
    this.next = this.first;
  }

  /** First pod address: after the network address and the gateway. */
  private get first(): number {
    return this.cidr.base + 2;
  }

  /** Last pod address: before the broadcast address. */
  private get last(): number {
    return this.cidr.base + cidrSize(this.cidr) - 2;
  }

  /** Number of pod addresses in the block. */
  get capacity(): number {
    return this.last - this.first + 1;
  }

  /** The address `uid` holds, if any. */
  addressOf(uid: string): string | undefined {
    const ip = this.byPod.get(uid);
    return ip === undefined ? undefined : formatIpv4(ip);
  }

  /**
   * Registers an address a pod already has (its status, its containers' labels). False when the
   * address is not a pod address of this block, is held by another pod, or the pod holds another.
   */
  recover(uid: string, address: string): boolean {
    const ip = parseIpv4(address);
    if (ip === undefined || !cidrHas(this.cidr, ip) || ip < this.first || ip > this.last) {
      return false;
    }
    const owner = this.owners.get(ip);
    const held = this.byPod.get(uid);
    if (owner !== undefined) return owner === uid;
    if (held !== undefined) return false;
    this.owners.set(ip, uid);
    this.byPod.set(uid, ip);
    return true;
  }

  /**
   * The pod's address: the one it holds, else a free one.
   * @throws PodCidrExhaustedError when none is free
   */
  allocate(uid: string): string {
    const held = this.byPod.get(uid);
    if (held !== undefined) return formatIpv4(held);
    const n = this.capacity;
    for (let k = 0; k < n; k++) {
      const ip = this.first + ((this.next - this.first + k) % n);
      if (this.owners.has(ip)) continue;
      this.owners.set(ip, uid);
      this.byPod.set(uid, ip);
      this.next = ip + 1 > this.last ? this.first : ip + 1;
      return formatIpv4(ip);
    }
    throw new PodCidrExhaustedError(this.podCidr);
  }

  /** Gives the pod's address back (a no-op when it holds none). */
  release(uid: string): void {
    const ip = this.byPod.get(uid);
    if (ip === undefined) return;
    this.byPod.delete(uid);
    this.owners.delete(ip);
  }

  /** Releases the addresses of every pod `keep` says no to; returns their uids. */
  retain(keep: (uid: string) => boolean): string[] {
    const gone = [...this.byPod.keys()].filter((uid) => !keep(uid));
    for (const uid of gone) this.release(uid);
    return gone;
  }
}
