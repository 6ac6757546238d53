import type { KubeObject } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  ENDPOINTS,
  EVENTS,
  LEASES,
  NAMESPACES,
  PODS,
  REPLICASETS,
  SECRETS,
  SERVICES,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';

export const ControllerName = 'namespace-controller';
/** Finalizer held by the namespace controller until the namespace is empty. */
export const NAMESPACE_FINALIZER = 'kubernetes';
const CONTENT = [
  DEPLOYMENTS,
  REPLICASETS,
  PODS,
  SERVICES,
  ENDPOINTS,
  CONFIGMAPS,
  SECRETS,
  EVENTS,
  LEASES,
];

/**
 * Marks a deleted namespace `status.phase: Terminating`, deletes everything in it, then releases its
 * finalizer.
 */
export class NamespaceController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const inf = ctx.informers.for(NAMESPACES);
    this.controller = new Controller({
      name: ControllerName,
      informers: [inf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    inf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
  }

  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const ns = this.ctx.informers.for(NAMESPACES).get(name);
    if (!ns?.metadata.deletionTimestamp) return undefined;
    if ((ns.status as { phase?: string } | undefined)?.phase !== 'Terminating') {
      // as Kubernetes shows it (kubectl get ns: Terminating) while the content is being deleted
      const next = structuredClone(ns);
      next.status = { ...(ns.status ?? {}), phase: 'Terminating' };
      await this.ctx.client
        .resource(NAMESPACES)
        .updateStatus(next)
        .catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
    }
    let remaining = 0;
    for (const gvr of CONTENT) {
      const c = this.ctx.client.resource(gvr, name);
      const items = (await c.list()).items;
      remaining += items.length;
      await Promise.all(
        items
          .filter((o: KubeObject) => !o.metadata.deletionTimestamp)
          .map((o) =>
            c.delete(o.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch((err: unknown) => {
              if (!(err instanceof NotFoundError)) throw err;
            }),
          ),
      );
    }
    if (remaining > 0) return { requeueAfterMs: 500 };
    const fins = (ns.metadata.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
    await this.ctx.client
      .resource(NAMESPACES)
      .patch(name, { metadata: { finalizers: fins } }, 'merge')
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    return undefined;
  }
}
