import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../../../machinery/meta.js';
import { splitKey } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { labelSelectorFromObject } from '../../../machinery/selectors/index.js';
import {
  DISRUPTION_ALLOWED_CONDITION,
  PODDISRUPTIONBUDGETS,
  PODS,
  type Pod,
  type PodDisruptionBudget,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { isPodReady } from '../pod-template.js';
import { DISRUPTED_POD_TIMEOUT_MS, disruptionCounts } from './disruption-budget.js';

export const ControllerName = 'disruption-controller';
/** Condition reasons, as Kubernetes sets them. */
export const ReasonSufficientPods = 'SufficientPods';
export const ReasonInsufficientPods = 'InsufficientPods';

/** Pods a budget selects (an absent selector selects none, as policy/v1 says for nil). */
export function selectedPods(pdb: PodDisruptionBudget, pods: readonly Pod[]): Pod[] {
  if (!pdb.spec.selector) return [];
  const sel = labelSelectorFromObject(pdb.spec.selector);
  return pods.filter((p) => sel.matches(p.metadata.labels));
}

/**
 * Status of every PodDisruptionBudget: expectedPods, currentHealthy (Ready pods neither deleting
 * nor just evicted), desiredHealthy, disruptionsAllowed, observedGeneration and the
 * `DisruptionAllowed` condition. The eviction API decrements disruptionsAllowed between two
 * reconciles; `status.disruptedPods` keeps the pods it evicted out of currentHealthy until the
 * pod informer sees them deleting or gone (or the entry expires), so a reconcile racing an
 * eviction cannot hand the budget back.
 */
export class DisruptionController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const pdbInf = ctx.informers.for<PodDisruptionBudget>(PODDISRUPTIONBUDGETS);
    const podInf = ctx.informers.for<Pod>(PODS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [pdbInf, podInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    pdbInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const byPod = (p: Pod): void => {
      for (const pdb of pdbInf.list(p.metadata.namespace)) {
        if (selectedPods(pdb, [p]).length > 0) this.controller.enqueueObject(pdb);
      }
    };
    podInf.addEventHandler({
      onAdd: byPod,
      onUpdate: (o, n) => {
        byPod(o);
        byPod(n);
      },
      onDelete: byPod,
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace } = splitKey(key);
    const pdb = this.ctx.informers.for<PodDisruptionBudget>(PODDISRUPTIONBUDGETS).get(key);
    if (!pdb) return;
    const pods = selectedPods(pdb, this.ctx.informers.for<Pod>(PODS).list(namespace));
    const now = this.ctx.now().getTime();
    const disrupted: Record<string, string> = {};
    for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const pod = pods.find((p) => p.metadata.name === name);
      // the eviction is done once the pod is deleting or gone; a stale entry expires
      if (!pod || pod.metadata.deletionTimestamp) continue;
      if (now - Date.parse(at) > DISRUPTED_POD_TIMEOUT_MS) continue;
      disrupted[name] = at;
    }
    const healthy = pods.filter(
      (p) =>
        isPodReady(p) &&
        !p.metadata.deletionTimestamp &&
        disrupted[p.metadata.name ?? ''] === undefined,
    ).length;
    const counts = disruptionCounts(pdb.spec, pods.length, healthy);
    const allowed = counts.disruptionsAllowed > 0;
    const old = pdb.status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
    const status = allowed ? 'True' : 'False';
    const condition: Condition = {
      type: DISRUPTION_ALLOWED_CONDITION,
      status,
      reason: allowed ? ReasonSufficientPods : ReasonInsufficientPods,
      message: '',
      observedGeneration: pdb.metadata.generation ?? 1,
      lastTransitionTime:
        old?.status === status && old.lastTransitionTime
          ? old.lastTransitionTime
          : this.ctx.now().toISOString(),
    };
    const next: NonNullable<PodDisruptionBudget['status']> = {
      ...counts,
      observedGeneration: pdb.metadata.generation ?? 1,
      conditions: [condition],
      ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
    };
    if (isDeepStrictEqual(pdb.status, next)) return;
    const copy = structuredClone(pdb);
    copy.status = next;
    // the resourceVersion makes this a conditional write: an eviction in between → 409, requeue
    await this.ctx.client
      .resource<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, namespace)
      .updateStatus(copy);
  }
}
