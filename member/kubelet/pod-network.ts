import type { Logger } from '../../machinery/controller/index.js';
import type { SharedInformer } from '../../machinery/informer/index.js';
import type { Node, Pod } from '../../api/index.js';
import {
  LABEL_CLUSTER,
  LABEL_NODE,
  LABEL_POD_IP,
  LABEL_POD_UID,
  type ContainerRuntime,
} from './container-runtime.js';
import { PodAddressAllocator } from './pod-address-allocator.js';

/** Options for {@link PodNetwork}. */
export interface PodNetworkOptions {
  nodeName: string;
  /** The node's own address: hostNetwork pods use it. */
  nodeAddress: string;
  /** The kubelet's informer on its own Node (its `spec.podCIDR`). */
  node: Pick<SharedInformer<Node>, 'get'>;
  /** The pods bound to this node, from the kubelet's cache. */
  pods: () => Pod[];
  runtime: ContainerRuntime;
  /** Only this cluster's containers count (see the kubelet's `clusterId`). */
  clusterId?: string;
  logger: Logger;
}

/**
 * The kubelet's pod network: one loopback address per pod from the node's `spec.podCIDR` (set by
 * the node IPAM controller; until then no pod gets an address, and pods wait). An address stays
 * with its pod until the pod is gone. The assignments live in memory; the first time the podCIDR
 * is known they are rebuilt from the pods' `status.podIP` and the {@link LABEL_POD_IP} label of
 * this node's containers, so a restarted kubelet hands every pod the address it had.
 */
export class PodNetwork {
  private readonly opts: PodNetworkOptions;
  private allocator: PodAddressAllocator | undefined;
  private recovering: Promise<PodAddressAllocator> | undefined;
  private warnedCidr: string | undefined;

  constructor(opts: PodNetworkOptions) {
    this.opts = opts;
  }

  /** The node's pod CIDR, once assigned. */
  podCidr(): string | undefined {
    return this.opts.node.get(this.opts.nodeName)?.spec?.podCIDR;
  }

  /**
   * The pod's address: the node address for a hostNetwork pod, else its own (the one it holds,
   * the one its status records if still free, else a new one); undefined while the node has no
   * podCIDR.
   * @throws PodCidrExhaustedError when the node's block has no address left
   */
  async addressFor(pod: Pod): Promise<string | undefined> {
    if (pod.spec.hostNetwork === true) return this.opts.nodeAddress;
    const alloc = await this.ready();
    if (!alloc) return undefined;
    const uid = pod.metadata.uid ?? '';
    const held = alloc.addressOf(uid);
    if (held !== undefined) return held;
    const recorded = pod.status?.podIP;
    if (recorded !== undefined && alloc.recover(uid, recorded)) return recorded;
    return alloc.allocate(uid);
  }

  /** Gives a deleted pod's address back. */
  release(uid: string): void {
    this.allocator?.release(uid);
  }

  /** Releases the addresses of pods `keep` says no to (garbage collection). */
  retain(keep: (uid: string) => boolean): void {
    this.allocator?.retain(keep);
  }

  /** The allocator, rebuilt once the podCIDR is known; undefined before. */
  private async ready(): Promise<PodAddressAllocator | undefined> {
    const cidr = this.podCidr();
    if (this.allocator) {
      if (cidr !== undefined && cidr !== this.allocator.podCidr && this.warnedCidr !== cidr) {
        // addresses in use cannot move: keep the first block until the kubelet restarts
        this.warnedCidr = cidr;
        this.opts.logger.warn(
          `node podCIDR changed from ${this.allocator.podCidr} to ${cidr}; restart the kubelet to use it`,
        );
      }
      return this.allocator;
    }
    if (cidr === undefined) return undefined;
    // one recovery for all workers; a failed one (runtime unreachable) is tried again next sync
    this.recovering ??= this.recover(cidr).catch((err: unknown) => {
      this.recovering = undefined;
      throw err;
    });
    this.allocator = await this.recovering;
    return this.allocator;
  }

  private async recover(cidr: string): Promise<PodAddressAllocator> {
    const alloc = new PodAddressAllocator(cidr);
    for (const pod of this.opts.pods()) {
      const ip = pod.status?.podIP;
      if (ip !== undefined && pod.spec.hostNetwork !== true) {
        alloc.recover(pod.metadata.uid ?? '', ip);
      }
    }
    const containers = await this.opts.runtime.list({
      [LABEL_NODE]: this.opts.nodeName,
      ...(this.opts.clusterId ? { [LABEL_CLUSTER]: this.opts.clusterId } : {}),
    });
    for (const rc of containers) {
      const ip = rc.labels[LABEL_POD_IP];
      const uid = rc.labels[LABEL_POD_UID];
      if (ip !== undefined && uid !== undefined) alloc.recover(uid, ip);
    }
    return alloc;
  }
}
