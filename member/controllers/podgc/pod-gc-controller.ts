import { splitKey } from '../../../machinery/meta.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { ConflictError, NotFoundError } from '../../../machinery/errors/index.js';
import { NODES, PODS, type Node, type Pod } from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';

export const ControllerName = 'pod-garbage-collector';

/** Options for {@link PodGcController}. */
export interface PodGcOptions {
  /**
   * How long a pod's node must be missing from the cache before the pod is collected: a node the
   * cache has not seen yet is not a gone node (Kubernetes' podgc quarantine). @defaultValue 40000
   */
  quarantineMs?: number;
}

/**
 * Kubernetes' pod garbage collector (orphaned pods): a pod bound to a node that no longer exists
 * has no kubelet to stop it or to finish its graceful deletion, so once the node has been gone for
 * the quarantine period — and a live read confirms it — the pod is force-deleted (grace 0, with a
 * precondition on its uid). A pod being deleted gracefully on a gone node would otherwise stay
 * Terminating forever.
 */
export class PodGcController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly quarantine: number;
  /** When each missing node was first found missing (ms). */
  private readonly missingSince = new Map<string, number>();

  constructor(ctx: ControllerContext, opts: PodGcOptions = {}) {
    this.ctx = ctx;
    this.quarantine = opts.quarantineMs ?? 40_000;
    const pods = ctx.informers.for<Pod>(PODS);
    const nodes = ctx.informers.for<Node>(NODES);
    this.controller = new Controller({
      name: ControllerName,
      informers: [pods, nodes],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    pods.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    // a node going away: look at its pods
    nodes.addEventHandler({
      onDelete: (n) => {
        for (const p of pods.list()) {
          if (p.spec.nodeName === n.metadata.name) this.controller.enqueueObject(p);
        }
      },
    });
  }

  /** Reconciles one pod (`namespace/name`). */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const pod = this.ctx.informers.for<Pod>(PODS).get(key);
    const nodeName = pod?.spec.nodeName;
    if (!pod || !nodeName) return undefined;
    if (this.ctx.informers.for<Node>(NODES).get(nodeName)) {
      this.missingSince.delete(nodeName);
      return undefined;
    }
    const now = this.ctx.now().getTime();
    const since = this.missingSince.get(nodeName) ?? now;
    this.missingSince.set(nodeName, since);
    if (now - since < this.quarantine) return { requeueAfterMs: since + this.quarantine - now };
    try {
      await this.ctx.client.resource<Node>(NODES).get(nodeName);
      return { requeueAfterMs: Math.max(this.quarantine, 10_000) }; // the cache lags: the node is there
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const { namespace, name } = splitKey(key);
    try {
      await this.ctx.client
        .resource<Pod>(PODS, namespace)
        .delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid ?? '' } });
      this.ctx.logger.info(`force-deleted pod ${key}: its node ${nodeName} is gone`);
    } catch (err) {
      // gone already, or a new pod of the same name (its own reconcile decides about it)
      if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
    }
    return undefined;
  }
}
