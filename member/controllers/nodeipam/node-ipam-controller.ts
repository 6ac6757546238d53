import { Controller } from '../../../machinery/controller/index.js';
import { NODES, type Node } from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { CidrSet } from './cidr-set.js';
import { CidrOutOfRangeError, CidrSetExhaustedError } from './errors.js';

export const ControllerName = 'node-ipam-controller';
/** Event reason recorded on a Node when no node CIDR is left for it (Kubernetes' reason). */
export const REASON_CIDR_NOT_AVAILABLE = 'CIDRNotAvailable';

/** Options for {@link NodeIpamController} (`--cluster-cidr`, `--node-cidr-mask-size`). */
export interface NodeIpamOptions {
  /** The pods' range, inside 127.0.0.0/8, e.g. `127.16.24.0/21`. */
  clusterCidr: string;
  /** Prefix length of each node's pod CIDR. @defaultValue 24 */
  nodeCidrMaskSize?: number;
}

/**
 * Kubernetes' node IPAM controller (range allocator): gives every Node a `spec.podCIDR` (and
 * `spec.podCIDRs`) cut from the cluster CIDR, once; the kubelet hands its pods addresses from it.
 *
 * The set of taken CIDRs is memory only: before the first reconcile it is rebuilt from the Nodes
 * in the cache (every reconcile runs after the informer synced), and a deleted Node's CIDR is
 * released when its key is reconciled and the Node is gone. `assigned` remembers what this
 * process patched onto each Node, so a reconcile that still sees the Node without its podCIDR (the
 * cache lags behind the patch) sends the same CIDR again instead of taking a second one.
 */
export class NodeIpamController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly set: CidrSet;
  /** node name → the CIDR it holds (or was just given). */
  private readonly assigned = new Map<string, string>();
  /** Nodes told about exhaustion since the last release (one event each, not one per heartbeat). */
  private readonly reported = new Set<string>();
  private recovered = false;

  constructor(ctx: ControllerContext, opts: NodeIpamOptions) {
    this.ctx = ctx;
    this.set = new CidrSet(opts.clusterCidr, opts.nodeCidrMaskSize ?? 24);
    const nodes = ctx.informers.for<Node>(NODES);
    this.controller = new Controller({
      name: ControllerName,
      informers: [nodes],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    nodes.addEventHandler({
      onAdd: this.controller.enqueueObject,
      // heartbeats update every Node often: only a missing or changed podCIDR needs work
      onUpdate: (o, n) => {
        if (!n.spec?.podCIDR || o.spec?.podCIDR !== n.spec.podCIDR) {
          this.controller.enqueueObject(n);
        }
      },
      onDelete: this.controller.enqueueObject,
    });
  }

  /** Rebuilds the taken set from the Nodes in the cache (once, before the first allocation). */
  private recover(): void {
    if (this.recovered) return;
    this.recovered = true;
    for (const node of this.ctx.informers.for<Node>(NODES).list()) {
      const cidr = node.spec?.podCIDR;
      if (cidr) this.track(node.metadata.name ?? '', cidr);
    }
  }

  /** Records a Node's existing podCIDR as taken; one outside the cluster CIDR is only logged. */
  private track(name: string, cidr: string): void {
    // remembered either way, so a foreign CIDR is logged once (releasing it later is a no-op)
    this.assigned.set(name, cidr);
    try {
      this.set.occupy(cidr);
    } catch (err) {
      if (!(err instanceof CidrOutOfRangeError)) throw err;
      // absorbed: a Node configured by hand (or by an earlier --cluster-cidr) keeps its CIDR
      this.ctx.logger.warn(`node ${name}: podCIDR ${err.message}; left as it is`);
    }
  }

  /** Releases a CIDR and retries the Nodes still waiting for one. */
  private release(name: string): void {
    const cidr = this.assigned.get(name);
    this.assigned.delete(name);
    this.reported.delete(name);
    if (cidr === undefined) return;
    this.set.release(cidr);
    this.reported.clear();
    for (const n of this.ctx.informers.for<Node>(NODES).list()) {
      if (!n.spec?.podCIDR) this.controller.enqueueObject(n);
    }
  }

  async reconcile(name: string): Promise<void> {
    this.recover();
    const node = this.ctx.informers.for<Node>(NODES).get(name);
    if (!node) {
      this.release(name);
      return;
    }
    const have = node.spec?.podCIDR;
    const mine = this.assigned.get(name);
    if (have) {
      if (have !== mine) {
        if (mine !== undefined) this.set.release(mine);
        this.assigned.delete(name);
        this.track(name, have);
      }
      return;
    }
    let cidr = mine;
    if (cidr === undefined) {
      try {
        cidr = this.set.allocateNext();
      } catch (err) {
        if (!(err instanceof CidrSetExhaustedError)) throw err;
        // permanent until a Node goes away: an event, no requeue (release() enqueues again)
        if (!this.reported.has(name)) {
          this.reported.add(name);
          await this.ctx.recorder?.event(node, 'Warning', REASON_CIDR_NOT_AVAILABLE, err.message);
        }
        return;
      }
      this.assigned.set(name, cidr);
    }
    try {
      await this.ctx.client
        .resource<Node>(NODES)
        .patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
    } catch (err) {
      // the Node may be gone or the write refused: give the CIDR back, the retry takes one again
      this.assigned.delete(name);
      this.set.release(cidr);
      throw err;
    }
    this.ctx.logger.info(`node ${name}: podCIDR ${cidr}`);
  }
}
