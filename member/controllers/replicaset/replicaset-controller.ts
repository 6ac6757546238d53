import { splitKey } from '../../../federation/apis/meta.js';
import { Controller } from '../../../federation/machinery/controller/index.js';
import { NotFoundError } from '../../../federation/machinery/errors/index.js';
import { labelSelectorFromObject } from '../../../federation/machinery/selectors/index.js';
import { PODS, REPLICASETS, type Pod, type ReplicaSet } from '../../apis/index.js';
import type { ControllerContext } from '../controller-context.js';
import { controllerUid, isPodActive, isPodReady, podFromTemplate } from '../pod-template.js';

export const ControllerName = 'replicaset-controller';

/** Ranks pods for deletion: unscheduled, then not ready, then newest first. */
function deletionRank(p: Pod): number[] {
  return [p.spec.nodeName ? 1 : 0, isPodReady(p) ? 1 : 0, -Date.parse(p.metadata.creationTimestamp ?? '0')];
}

/** Keeps the number of active pods of each ReplicaSet equal to spec.replicas and reports status. */
export class ReplicaSetController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  /** Active pod count we expect the cache to show after our last writes (uid → count, deadline). */
  private readonly expectations = new Map<string, { count: number; until: number }>();

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const rsInf = ctx.informers.for<ReplicaSet>(REPLICASETS);
    const podInf = ctx.informers.for<Pod>(PODS);
    this.controller = new Controller({ name: ControllerName, informers: [rsInf, podInf], reconcile: (k) => this.reconcile(k), logger: ctx.logger });
    rsInf.addEventHandler({ onAdd: this.controller.enqueueObject, onUpdate: (_o, n) => this.controller.enqueueObject(n) });
    const byOwner = (p: Pod): void => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'ReplicaSet');
      if (ref) this.controller.enqueue(`${p.metadata.namespace ?? ''}/${ref.name}`);
    };
    podInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
  }

  /** One reconcile: create or delete pods, then write status. */
  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const rs = this.ctx.informers.for<ReplicaSet>(REPLICASETS).get(key);
    if (!rs || rs.metadata.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const sel = labelSelectorFromObject(rs.spec.selector);
    const pods = this.ctx.informers
      .for<Pod>(PODS)
      .list(namespace)
      .filter((p) => controllerUid(p) === rs.metadata.uid && sel.matches(p.metadata.labels));
    const active = pods.filter(isPodActive);
    const want = rs.spec.replicas ?? 1;
    const uid = rs.metadata.uid ?? '';
    const exp = this.expectations.get(uid);
    if (exp && exp.count !== active.length && Date.now() < exp.until) {
      // our last creates/deletes have not reached the cache yet; acting now would double them
      return { requeueAfterMs: 100 };
    }
    this.expectations.delete(uid);
    if (active.length !== want) this.expectations.set(uid, { count: want, until: Date.now() + 5000 });
    const podClient = this.ctx.client.resource<Pod>(PODS, namespace);
    if (active.length < want) {
      await Promise.all(Array.from({ length: Math.min(want - active.length, 500) }, () => podClient.create(podFromTemplate(rs))));
    } else if (active.length > want) {
      const victims = [...active].sort((a, b) => {
        const ra = deletionRank(a);
        const rb = deletionRank(b);
        for (let i = 0; i < ra.length; i++) if ((ra[i] ?? 0) !== (rb[i] ?? 0)) return (ra[i] ?? 0) - (rb[i] ?? 0);
        return 0;
      }).slice(0, active.length - want);
      await Promise.all(victims.map((p) => podClient.delete(p.metadata.name ?? '').catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      })));
    }
    const ready = active.filter(isPodReady).length;
    const status = { replicas: active.length, fullyLabeledReplicas: active.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation ?? 1 };
    if (JSON.stringify(rs.status ?? {}) !== JSON.stringify(status)) {
      const next = structuredClone(rs);
      next.status = status;
      await this.ctx.client.resource<ReplicaSet>(REPLICASETS, namespace).updateStatus(next).catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    }
    return undefined;
  }
}
