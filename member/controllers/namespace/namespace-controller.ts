import { Controller } from '../../../machinery/controller/index.js';
import { NamespaceDeleter } from '../../../machinery/controller/namespace-deleter.js';
import { memberResourceTypes, NAMESPACES } from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';

export const ControllerName = 'namespace-controller';
/**
 * Every namespaced type the member serves, workloads first (so their controllers stop recreating
 * Pods while the namespace empties).
 */
const CONTENT = memberResourceTypes
  .filter((rt) => rt.namespaced)
  .map((rt) => ({ group: rt.group, version: rt.version, resource: rt.plural }))
  .sort((a, b) => rank(a.resource) - rank(b.resource));
function rank(resource: string): number {
  const order = ['cronjobs', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'replicasets'];
  const i = order.indexOf(resource);
  return i < 0 ? order.length : i;
}

/**
 * Marks a deleted namespace `status.phase: Terminating`, deletes everything in it, then releases its
 * finalizer.
 */
export class NamespaceController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly deleter: NamespaceDeleter;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    this.deleter = new NamespaceDeleter({ client: ctx.client, resources: () => CONTENT });
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
    // as Kubernetes shows it (kubectl get ns: Terminating) while the content is being deleted
    await this.deleter.setStatus(ns);
    const content = await this.deleter.deleteContent(name);
    if (content.failures.length > 0) throw new Error(content.failures.join('; '));
    if (content.remaining > 0) return { requeueAfterMs: 500 };
    await this.deleter.finalize(ns);
    return undefined;
  }
}
