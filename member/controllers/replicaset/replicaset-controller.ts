import { splitKey } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { ForbiddenError, InvalidError, NotFoundError } from '../../../machinery/errors/index.js';
import { labelSelectorFromObject } from '../../../machinery/selectors/index.js';
import { PODS, REPLICASETS, type Pod, type ReplicaSet } from '../../../api/index.js';
import { adopt, adoptable, isOrphan } from '../adoption.js';
import type { ControllerContext } from '../controller-context.js';
import { controllerUid, isPodActive, isPodReady, podFromTemplate } from '../pod-template.js';
import { isDeepStrictEqual } from 'node:util';

/** Name of this controller (logs, `--controllers`). */
export const ControllerName = 'replicaset-controller';

/** Ranks pods for deletion: unscheduled, then not ready, then newest first. */
function deletionRank(p: Pod): number[] {
  return [
    p.spec.nodeName ? 1 : 0,
    isPodReady(p) ? 1 : 0,
    -Date.parse(p.metadata.creationTimestamp ?? '0'),
  ];
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
    this.controller = new Controller({
      name: ControllerName,
      informers: [rsInf, podInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    rsInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const byOwner = (p: Pod): void => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'ReplicaSet');
      if (ref) this.controller.enqueue(`${p.metadata.namespace ?? ''}/${ref.name}`);
      else if (isOrphan(p)) {
        // an orphan pod may be adopted by any ReplicaSet whose selector matches it
        for (const rs of rsInf.list(p.metadata.namespace)) {
          if (labelSelectorFromObject(rs.spec.selector).matches(p.metadata.labels)) {
            this.controller.enqueueObject(rs);
          }
        }
      }
    };
    podInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
  }

  /** One reconcile: create or delete pods, then write status. */
  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const rs = this.ctx.informers.for<ReplicaSet>(REPLICASETS).get(key);
    if (!rs || rs.metadata.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const sel = labelSelectorFromObject(rs.spec.selector);
    const podClient = this.ctx.client.resource<Pod>(PODS, namespace);
    const inNs = this.ctx.informers.for<Pod>(PODS).list(namespace);
    const pods = inNs.filter(
      (p) => controllerUid(p) === rs.metadata.uid && sel.matches(p.metadata.labels),
    );
    pods.push(
      ...(await adopt(podClient, rs, adoptable(inNs, rs.spec.selector).filter(isPodActive))),
    );
    const active = pods.filter(isPodActive);
    const want = rs.spec.replicas ?? 1;
    const uid = rs.metadata.uid ?? '';
    const exp = this.expectations.get(uid);
    if (exp && exp.count !== active.length && Date.now() < exp.until) {
      // our last creates/deletes have not reached the cache yet; acting now would double them
      return { requeueAfterMs: 100 };
    }
    this.expectations.delete(uid);
    if (active.length !== want) {
      this.expectations.set(uid, { count: want, until: Date.now() + 5000 });
    }
    let failure: string | undefined;
    if (active.length < want) {
      failure = await this.createPods(rs, Math.min(want - active.length, 500));
      // a refused create will not show up in the cache: stop waiting for it
      if (failure !== undefined) this.expectations.delete(uid);
    } else if (active.length > want) {
      await this.deletePods(rs, active, active.length - want);
    }
    const ready = active.filter(isPodReady).length;
    const status: NonNullable<ReplicaSet['status']> = {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const oldFailure = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    if (failure !== undefined) {
      status.conditions = [
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: failure,
          lastTransitionTime: oldFailure?.lastTransitionTime ?? this.ctx.now().toISOString(),
        },
      ];
    } else if (oldFailure && active.length < want) {
      // creates are still being retried by a later reconcile: keep the condition until they succeed
      status.conditions = [oldFailure];
    }
    if (!isDeepStrictEqual(rs.status ?? {}, status)) {
      const next = structuredClone(rs);
      next.status = status;
      await this.ctx.client
        .resource<ReplicaSet>(REPLICASETS, namespace)
        .updateStatus(next)
        .catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
    }
    return undefined;
  }

  /**
   * Creates `n` pods. A refusal that retrying cannot fix (invalid template, forbidden) is returned
   * as a message for the ReplicaFailure condition and not retried (STYLE §9: a spec change
   * triggers the next attempt); any other failure throws so the key is retried with backoff.
   */
  private async createPods(rs: ReplicaSet, n: number): Promise<string | undefined> {
    const podClient = this.ctx.client.resource<Pod>(PODS, rs.metadata.namespace);
    const results = await Promise.allSettled(
      Array.from({ length: n }, () => podClient.create(podFromTemplate(rs))),
    );
    for (const r of results) {
      if (r.status === 'fulfilled') {
        await this.ctx.recorder?.event(
          rs,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${r.value.metadata.name ?? ''}`,
        );
      }
    }
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const transient = errors.find(
      (e) => !(e instanceof InvalidError || e instanceof ForbiddenError),
    );
    if (transient !== undefined) {
      throw transient instanceof Error
        ? transient
        : new Error('pod create failed', { cause: transient });
    }
    const first = errors[0];
    if (!(first instanceof Error)) return undefined;
    await this.ctx.recorder?.event(
      rs,
      'Warning',
      'FailedCreate',
      `Error creating: ${first.message}`,
    );
    return first.message;
  }

  /** Deletes `n` pods: unscheduled first, then not ready, then the newest. */
  private async deletePods(rs: ReplicaSet, active: Pod[], n: number): Promise<void> {
    const podClient = this.ctx.client.resource<Pod>(PODS, rs.metadata.namespace);
    const victims = [...active]
      .sort((a, b) => {
        const ra = deletionRank(a);
        const rb = deletionRank(b);
        for (let i = 0; i < ra.length; i++) {
          if ((ra[i] ?? 0) !== (rb[i] ?? 0)) return (ra[i] ?? 0) - (rb[i] ?? 0);
        }
        return 0;
      })
      .slice(0, n);
    await Promise.all(
      victims.map(async (p) => {
        try {
          await podClient.delete(p.metadata.name ?? '');
          await this.ctx.recorder?.event(
            rs,
            'Normal',
            'SuccessfulDelete',
            `Deleted pod: ${p.metadata.name ?? ''}`,
          );
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }),
    );
  }
}
