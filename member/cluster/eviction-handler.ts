import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import type { DeleteOptions } from '../../machinery/client/kube-client.js';
import type { GenericRegistry } from '../../machinery/registry/generic-registry.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import {
  BadRequestError,
  ConflictError,
  InternalError,
  TooManyRequestsError,
} from '../../machinery/errors/index.js';
import { labelSelectorFromObject } from '../../machinery/selectors/index.js';
import { podDisruptionBudgetType, type Pod, type PodDisruptionBudget } from '../../api/index.js';

/** The message Kubernetes refuses an eviction with when a budget allows no disruption. */
export const EVICTION_BUDGET_MESSAGE =
  "Cannot evict pod as it would violate the pod's disruption budget.";

const pdbType = podDisruptionBudgetType as unknown as ResourceType;

/** The 429 an eviction gets when `pdb` allows no disruption now (cause reason DisruptionBudget). */
function budgetRefusal(why: string): TooManyRequestsError {
  return new TooManyRequestsError(EVICTION_BUDGET_MESSAGE, {
    causes: [{ reason: 'DisruptionBudget', message: why, field: '' }],
  });
}

/** Pods that are not running (or already going) cost no disruption (Kubernetes' canIgnorePDB). */
const canIgnoreBudget = (pod: Pod): boolean =>
  pod.metadata.deletionTimestamp !== undefined ||
  pod.status?.phase === 'Succeeded' ||
  pod.status?.phase === 'Failed' ||
  pod.status?.phase === 'Pending';

/** The budgets in the pod's namespace whose selector matches it. */
async function budgetsOf(registry: GenericRegistry, pod: Pod): Promise<PodDisruptionBudget[]> {
  const list = await registry.list(pdbType, pod.metadata.namespace);
  return (list.items as PodDisruptionBudget[]).filter(
    (b) => b.spec.selector && labelSelectorFromObject(b.spec.selector).matches(pod.metadata.labels),
  );
}

/**
 * Takes one disruption from the budget: a status write conditional on the resourceVersion read,
 * so two concurrent evictions cannot both spend the last one. Throws ConflictError when the
 * budget changed in between, the 429 when it allows no disruption.
 */
async function spendDisruption(
  registry: GenericRegistry,
  pdb: PodDisruptionBudget,
  podName: string,
): Promise<void> {
  const gen = pdb.metadata.generation ?? 1;
  if ((pdb.status?.observedGeneration ?? 0) < gen) {
    throw budgetRefusal('observedGeneration less than generation');
  }
  const allowed = pdb.status?.disruptionsAllowed ?? 0;
  if (allowed <= 0) {
    throw budgetRefusal(
      `The disruption budget ${pdb.metadata.name ?? ''} needs ${String(pdb.status?.desiredHealthy ?? 0)} healthy pods and has ${String(pdb.status?.currentHealthy ?? 0)} currently`,
    );
  }
  const next = structuredClone(pdb);
  next.status = {
    ...next.status,
    disruptionsAllowed: allowed - 1,
    disruptedPods: { ...next.status?.disruptedPods, [podName]: new Date().toISOString() },
  };
  await registry.update(pdbType, pdb.metadata.namespace, pdb.metadata.name ?? '', next, 'status');
}

/**
 * `POST pods/<name>/eviction` (policy/v1 Eviction): deletes the pod with the Eviction's
 * deleteOptions once the PodDisruptionBudget selecting it allows a disruption, and spends that
 * disruption (429 TooManyRequests when none is left, 500 when several budgets select the pod, as
 * Kubernetes answers). A lost race for the budget is retried once, then refused with 429.
 */
export const evictionHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw new BadRequestError('eviction only supports POST');
  const body = req.body as { kind?: string; deleteOptions?: DeleteOptions } | undefined;
  if (body?.kind !== undefined && body.kind !== 'Eviction') {
    throw new BadRequestError(`expected kind Eviction, got ${body.kind}`);
  }
  const pod = (await req.registry.get(req.rt, req.namespace, req.name)) as Pod;
  if (!canIgnoreBudget(pod)) {
    for (let attempt = 0; ; attempt++) {
      const budgets = await budgetsOf(req.registry, pod);
      if (budgets.length > 1) {
        throw new InternalError(
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        );
      }
      const pdb = budgets[0];
      if (!pdb) break;
      try {
        await spendDisruption(req.registry, pdb, req.name);
        break;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        if (attempt >= 1) throw budgetRefusal('the disruption budget changed while evicting');
      }
    }
  }
  await req.registry.delete(req.rt, req.namespace, req.name, body?.deleteOptions ?? {});
  req.ctx.status = 201;
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 };
};
