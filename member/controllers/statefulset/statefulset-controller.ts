import { isDeepStrictEqual } from 'node:util';
import { splitKey } from '../../../machinery/meta.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import { labelSelectorFromObject } from '../../../machinery/selectors/index.js';
import {
  CONTROLLERREVISIONS,
  PODS,
  STATEFULSETS,
  type ControllerRevision,
  type Pod,
  type StatefulSet,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import {
  ensureRevision,
  ownedRevisions,
  revisionTemplate,
  truncateHistory,
} from '../controller-history.js';
import { controllerUid } from '../pod-template.js';
import { PodExpectations } from '../workload-pods.js';
import { isHealthy, ordinalOf, podRevision, statefulPod } from './stateful-pods.js';

/** Name of this controller (logs, `--controllers`). */
export const ControllerName = 'statefulset-controller';

/** A set's pods split by ordinal, and the revisions they should be made from. */
interface SetState {
  set: StatefulSet;
  replicas: number;
  byOrdinal: Map<number, Pod>;
  /** Pods with an ordinal ≥ replicas (or not named `<set>-<n>`), highest ordinal first. */
  condemned: Pod[];
  current: ControllerRevision;
  update: ControllerRevision;
}

/**
 * Runs pods with stable identities `<set>-<ordinal>`. OrderedReady creates them in ordinal order,
 * each after the previous one is Running and Ready, and removes them in reverse; Parallel does
 * both at once. A template change rolls pods with ordinal ≥ partition, highest first and one at a
 * time, onto the new ControllerRevision.
 */
export class StatefulSetController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly expectations = new PodExpectations();

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const setInf = ctx.informers.for<StatefulSet>(STATEFULSETS);
    const podInf = ctx.informers.for<Pod>(PODS);
    const revInf = ctx.informers.for<ControllerRevision>(CONTROLLERREVISIONS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [setInf, podInf, revInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    setInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const byOwner = (p: Pod): void => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet');
      if (ref) this.controller.enqueue(`${p.metadata.namespace ?? ''}/${ref.name}`);
    };
    podInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
  }

  /** One reconcile: revisions, at most one ordered step of pod changes, status, history. */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const set = this.ctx.informers.for<StatefulSet>(STATEFULSETS).get(key);
    if (!set || set.metadata.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const uid = set.metadata.uid ?? '';
    const podInf = this.ctx.informers.for<Pod>(PODS);
    if (!this.expectations.satisfied(uid, (n) => podInf.get(`${namespace}/${n}`))) {
      // our last creates/deletes have not reached the cache yet; acting now would repeat them
      return { requeueAfterMs: 100 };
    }
    const revisions = ownedRevisions(this.ctx.informers, set);
    const update = await ensureRevision(this.ctx.client, set, set.spec.template, revisions);
    const current =
      revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    const sel = labelSelectorFromObject(set.spec.selector);
    const pods = podInf
      .list(namespace)
      .filter((p) => controllerUid(p) === uid && sel.matches(p.metadata.labels));
    const replicas = set.spec.replicas ?? 1;
    const byOrdinal = new Map<number, Pod>();
    const condemned: Pod[] = [];
    for (const p of pods) {
      const o = ordinalOf(set, p);
      if (o === undefined || o >= replicas) condemned.push(p);
      else byOrdinal.set(o, p);
    }
    condemned.sort((a, b) => (ordinalOf(set, b) ?? -1) - (ordinalOf(set, a) ?? -1));
    const state: SetState = { set, replicas, byOrdinal, condemned, current, update };
    await this.syncPods(state);
    await this.writeStatus(state, pods);
    const keep = new Set([current.metadata.name ?? '', update.metadata.name ?? '']);
    for (const p of pods) keep.add(podRevision(p) ?? '');
    await truncateHistory(this.ctx.client, revisions, set.spec.revisionHistoryLimit ?? 10, keep);
    return undefined;
  }

  /** Makes the next allowed change: create missing, replace finished, scale down, roll. */
  private async syncPods(s: SetState): Promise<void> {
    const parallel = s.set.spec.podManagementPolicy === 'Parallel';
    const partition = s.set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let i = 0; i < s.replicas; i++) {
      const p = s.byOrdinal.get(i);
      if (!p) {
        // below the partition a missing pod comes back at the current revision
        const rev = i < partition ? s.current : s.update;
        await this.createPod(s.set, i, rev);
        if (!parallel) return;
      } else if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') {
        await this.deletePods(s.set, [p]);
        if (!parallel) return;
      } else if (!parallel && !isHealthy(p)) {
        return;
      }
    }
    if (s.condemned.length > 0) {
      const live = s.condemned.filter((p) => !p.metadata.deletionTimestamp);
      if (parallel) return this.deletePods(s.set, live);
      const allHealthy = [...s.byOrdinal.values()].every(isHealthy);
      // ordered scale-down: one pod at a time, highest ordinal first, never past an unhealthy one
      if (live.length === s.condemned.length && allHealthy && live[0]) {
        await this.deletePods(s.set, [live[0]]);
      }
      return;
    }
    if (s.set.spec.updateStrategy?.type === 'OnDelete') return;
    if (![...s.byOrdinal.values()].every(isHealthy) || s.byOrdinal.size < s.replicas) return;
    for (let i = s.replicas - 1; i >= partition; i--) {
      const p = s.byOrdinal.get(i);
      if (p && podRevision(p) !== s.update.metadata.name) {
        await this.deletePods(s.set, [p]);
        return;
      }
    }
  }

  private async createPod(
    set: StatefulSet,
    ordinal: number,
    rev: ControllerRevision,
  ): Promise<void> {
    const template = revisionTemplate(rev) ?? set.spec.template;
    const pod = statefulPod(set, ordinal, template, rev.metadata.name ?? '');
    const name = pod.metadata.name ?? '';
    try {
      await this.ctx.client.resource<Pod>(PODS, set.metadata.namespace).create(pod);
      this.expectations.expect(set.metadata.uid ?? '', [name]);
      await this.ctx.recorder?.event(
        set,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${name} in StatefulSet ${set.metadata.name ?? ''} successful`,
      );
    } catch (err) {
      // the pod exists (an earlier create the cache has not shown): same identity, nothing to do
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
  }

  private async deletePods(set: StatefulSet, pods: Pod[]): Promise<void> {
    const client = this.ctx.client.resource<Pod>(PODS, set.metadata.namespace);
    for (const p of pods) {
      const name = p.metadata.name ?? '';
      try {
        await client.delete(name, { preconditions: { uid: p.metadata.uid ?? '' } });
        this.expectations.expect(set.metadata.uid ?? '', [], [name]);
        await this.ctx.recorder?.event(
          set,
          'Normal',
          'SuccessfulDelete',
          `delete Pod ${name} in StatefulSet ${set.metadata.name ?? ''} successful`,
        );
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
  }

  private async writeStatus(s: SetState, pods: Pod[]): Promise<void> {
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const ready = live.filter(isHealthy).length;
    const updateName = s.update.metadata.name ?? '';
    const updated = live.filter((p) => podRevision(p) === updateName).length;
    // the rollout is done when every replica runs the update revision and is ready
    const done = updated === s.replicas && ready === s.replicas && live.length === s.replicas;
    const currentName = done ? updateName : (s.current.metadata.name ?? '');
    const status: NonNullable<StatefulSet['status']> = {
      observedGeneration: s.set.metadata.generation ?? 1,
      replicas: live.length,
      readyReplicas: ready,
      currentReplicas: live.filter((p) => podRevision(p) === currentName).length,
      updatedReplicas: updated,
      availableReplicas: ready,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount: 0,
    };
    if (isDeepStrictEqual(s.set.status ?? {}, status)) return;
    const next = structuredClone(s.set);
    next.status = status;
    await this.ctx.client
      .resource<StatefulSet>(STATEFULSETS, s.set.metadata.namespace)
      .updateStatus(next)
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }
}
