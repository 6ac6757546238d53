import { performance } from 'node:perf_hooks';
import type { Condition } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import {
  LEASES,
  NODES,
  PODS,
  type Lease,
  type Node,
  type Pod,
  type Taint,
} from '../../../api/index.js';
import { tolerates } from '../../scheduler/plugins/filters.js';
import type { ControllerContext } from '../controller-context.js';

export const ControllerName = 'node-lifecycle-controller';
/** Taint put on nodes whose kubelet stopped renewing its Lease. */
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Options for {@link NodeLifecycleController}. */
export interface NodeLifecycleOptions {
  /** Lease age after which a node is NotReady (Unknown). @defaultValue 40000 */
  gracePeriodMs?: number;
  /** Time on the unreachable taint after which its pods are evicted. @defaultValue 300000 */
  evictionTimeoutMs?: number;
  /** How often each node is re-checked. @defaultValue 2000 */
  monitorPeriodMs?: number;
  /** A monotonic clock (ms) that a wall-clock step does not move. @defaultValue performance.now */
  monotonicNow?: () => number;
}

/** Watches node Leases: stale → Ready=Unknown + NoExecute taint → pods evicted; fresh → taint removed. */
export class NodeLifecycleController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly grace: number;
  private readonly eviction: number;
  private readonly period: number;
  private readonly monotonicNow: () => number;
  /**
   * Per node: the Lease renewTime last seen, when (monotonic ms) it was first seen or seen to
   * change, and whether this controller has seen it change (a renewal observed, not assumed).
   */
  private readonly renewals = new Map<
    string,
    { renewTime: string; at: number; changed: boolean }
  >();

  constructor(ctx: ControllerContext, opts: NodeLifecycleOptions = {}) {
    this.ctx = ctx;
    this.grace = opts.gracePeriodMs ?? 40_000;
    this.eviction = opts.evictionTimeoutMs ?? 300_000;
    this.period = opts.monitorPeriodMs ?? 2_000;
    this.monotonicNow = opts.monotonicNow ?? (() => performance.now());
    const nodes = ctx.informers.for<Node>(NODES);
    const leases = ctx.informers.for<Lease>(LEASES, { namespace: 'kube-node-lease' });
    const pods = ctx.informers.for<Pod>(PODS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [nodes, leases, pods],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    nodes.addEventHandler({ onAdd: this.controller.enqueueObject });
  }

  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const node = this.ctx.informers.for<Node>(NODES).get(name);
    if (!node) {
      this.renewals.delete(name);
      return undefined;
    }
    const lease = this.ctx.informers
      .for<Lease>(LEASES, { namespace: 'kube-node-lease' })
      .get(`kube-node-lease/${name}`);
    const now = this.ctx.now().getTime();
    const stale = this.leaseAgeMs(node, lease, now) > this.grace;
    const taints = node.spec?.taints ?? [];
    const taint = taints.find((t) => t.key === TAINT_UNREACHABLE);
    const nodes = this.ctx.client.resource<Node>(NODES);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (stale) {
      if (ready?.status !== 'Unknown') {
        const next = structuredClone(node);
        const cond: Condition = {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastTransitionTime: new Date(now).toISOString(),
          lastHeartbeatTime: ready?.lastHeartbeatTime ?? '',
        };
        next.status = {
          ...(next.status ?? {}),
          conditions: [...(next.status?.conditions ?? []).filter((c) => c.type !== 'Ready'), cond],
        };
        await nodes.updateStatus(next);
        await this.ctx.recorder?.event(
          node,
          'Normal',
          'NodeNotReady',
          `Node ${name} status is now: NodeNotReady`,
        );
      }
      if (!taint) {
        await nodes.patch(
          name,
          {
            spec: {
              taints: [
                ...taints,
                {
                  key: TAINT_UNREACHABLE,
                  effect: 'NoExecute',
                  timeAdded: new Date(now).toISOString(),
                },
              ],
            },
          },
          'merge',
        );
      } else {
        await this.evict(name, taint, now);
      }
    } else if (taint && !this.aliveSinceTaint(name, ready?.status)) {
      // within the grace period of this controller's first sighting, with no sign of life since
      // the taint (a controller restart): the taint and its evictions stand, as Kubernetes' taint
      // manager keeps evicting by the taint's timeAdded whatever the node lifecycle controller knows
      await this.evict(name, taint, now);
    } else if (taint) {
      await nodes.patch(
        name,
        { spec: { taints: taints.filter((t) => t.key !== TAINT_UNREACHABLE) } },
        'merge',
      );
    }
    return { requeueAfterMs: this.period };
  }

  /**
   * How long ago the node's kubelet last renewed its Lease, on this controller's monotonic clock:
   * a renewTime seen for the first time or seen to change is a renewal observed *now*, as
   * Kubernetes keeps a probeTimestamp of when it saw the Lease change. renewTime is never compared
   * with this host's wall clock, so a clock step on the kubelet's or this controller's host (NTP,
   * a VM resumed) neither makes a renewing node stale (+10 min: its last renewTime looked 10 min
   * old, and the whole member failed over at the federation until the next heartbeat) nor a silent
   * one fresh. The price, as in Kubernetes: a node first seen by a (re)started controller has a
   * full grace period before it can go stale. A node that has never had a Lease is timed from its
   * creation, as Kubernetes times a node that never posted status.
   */
  private leaseAgeMs(node: Node, lease: Lease | undefined, now: number): number {
    const name = node.metadata.name ?? '';
    const renewTime = lease?.spec.renewTime;
    const mono = this.monotonicNow();
    const seen = this.renewals.get(name);
    if (renewTime === undefined) {
      // no Lease (yet, or deleted): the last renewal seen, else the node's age
      return seen ? mono - seen.at : now - Date.parse(node.metadata.creationTimestamp ?? '0');
    }
    if (!seen) this.renewals.set(name, { renewTime, at: mono, changed: false });
    else if (seen.renewTime !== renewTime) {
      this.renewals.set(name, { renewTime, at: mono, changed: true });
    }
    return mono - (this.renewals.get(name)?.at ?? mono);
  }

  /**
   * Whether the node showed a sign of life that lifts its unreachable taint: a Lease renewal this
   * controller saw happen, or Ready=True, which only the kubelet writes (this controller writes
   * Unknown when it taints).
   */
  private aliveSinceTaint(name: string, ready: string | undefined): boolean {
    return ready === 'True' || this.renewals.get(name)?.changed === true;
  }

  /**
   * When a pod on a node tainted at `taint.timeAdded` is due for eviction: pods that tolerate the
   * NoExecute taint stay for their `tolerationSeconds` (forever without it, as Kubernetes' taint
   * manager does); the others after the eviction timeout, which stands in for the default
   * tolerations Kubernetes' DefaultTolerationSeconds admission adds to every pod.
   */
  private evictionDue(pod: Pod, taint: Taint, now: number): boolean {
    const tainted = now - Date.parse(taint.timeAdded ?? '0');
    const tols = (pod.spec.tolerations ?? []).filter(
      (t) => (t.effect === undefined || t.effect === 'NoExecute') && tolerates([t], taint),
    );
    if (tols.length === 0) return tainted > this.eviction;
    // several matching tolerations: the shortest tolerationSeconds wins (Kubernetes getMinTolerationTime)
    const secs = tols.map((t) => t.tolerationSeconds).filter((s): s is number => s !== undefined);
    if (secs.length === 0) return false;
    return tainted >= Math.max(0, Math.min(...secs)) * 1000;
  }

  private async evict(nodeName: string, taint: Taint, now: number): Promise<void> {
    const pods = this.ctx.informers
      .for<Pod>(PODS)
      .list()
      .filter(
        (p) =>
          p.spec.nodeName === nodeName &&
          !p.metadata.deletionTimestamp &&
          this.evictionDue(p, taint, now),
      );
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.ctx.client
            .resource<Pod>(PODS, p.metadata.namespace)
            .delete(p.metadata.name ?? '', { gracePeriodSeconds: 0 });
          await this.ctx.recorder?.event(
            p,
            'Normal',
            'TaintManagerEviction',
            `Marking for deletion Pod ${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`,
          );
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }),
    );
  }
}
