import {
  HORIZONTALPODAUTOSCALERS,
  NAMESPACES,
  type HorizontalPodAutoscaler,
} from '../../api/index.js';
import {
  ANNOTATION_CONFLICT_RESOLUTION,
  ANNOTATION_WORK_ORPHAN,
  executionNamespace,
  FINALIZER_WORK_MEMBER_CLEANUP,
  WORKS,
  workName,
  type Work,
} from '../apis/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../machinery/controller/index.js';
import { AlreadyExistsError, ApiError } from '../../machinery/errors/index.js';
import type { InformerFactory } from '../../machinery/informer/index.js';
import { addFinalizer, hasFinalizer, removeFinalizers } from '../controllers/finalizers.js';
import { releaseMemberObject } from '../controllers/propagation/member-cleanup.js';
import {
  LABEL_MANAGED_BY,
  LABEL_TEMPLATE,
  MANAGER,
} from '../controllers/propagation/member-object.js';
import {
  ignoreNotFound,
  isStale,
  writeMemberObject,
  type ConflictResolution,
} from '../controllers/propagation/member-writer.js';
import { manifestResource, UnknownManifestKindError } from './manifest-resources.js';
import { comparableStatus, workStatus, type ManifestOutcome } from './work-status.js';

export const ControllerName = 'agent-work-execution-controller';

/** Options for {@link WorkExecutionController}. */
export interface WorkExecutionOptions {
  clusterName: string;
  /** The federation, as the agent (`system:flotilla:agent:<cluster>`). */
  federation: KubeClient;
  /** Informers on the federation (Works of the execution namespace). */
  federationInformers: InformerFactory;
  /** The member, with the member kubeconfig's credentials. */
  member: KubeClient;
  /** Informers on the member (managed objects: their changes refresh the Work's status). */
  memberInformers: InformerFactory;
  logger: Logger;
  /** Every Work is applied and reported again this often. @defaultValue 10000 */
  resyncMs?: number;
}

const MANAGED = `${LABEL_MANAGED_BY}=${MANAGER}`;

/**
 * The agent's execution + status controller (Karmada's execution_controller and
 * work_status_controller, member side): for each Work in `fed-es-<cluster>` it puts the
 * {@link FINALIZER_WORK_MEMBER_CLEANUP} finalizer on it, creates/updates its manifests in the
 * member (same rules as push mode: conflictResolution, member-owned fields kept) and writes
 * Applied/Available plus each object's status into `Work.status`. A Work being deleted has its
 * member objects deleted (or orphaned when annotated so) before the finalizer is removed.
 */
export class WorkExecutionController {
  readonly controller: Controller;
  private readonly opts: WorkExecutionOptions;
  private readonly ns: string;
  private readonly watched = new Set<string>();

  constructor(opts: WorkExecutionOptions) {
    this.opts = opts;
    this.ns = executionNamespace(opts.clusterName);
    const works = opts.federationInformers.for<Work>(WORKS, { namespace: this.ns });
    this.controller = new Controller({
      name: ControllerName,
      informers: [works],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
      workers: 4,
    });
    works.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const work = this.opts.federationInformers.for<Work>(WORKS, { namespace: this.ns }).get(key);
    if (!work) return undefined;
    if (work.metadata.deletionTimestamp) {
      if (!hasFinalizer(work, FINALIZER_WORK_MEMBER_CLEANUP)) return undefined;
      await this.release(work);
      await removeFinalizers(this.opts.federation, WORKS, work, [FINALIZER_WORK_MEMBER_CLEANUP]);
      this.opts.logger.info(`Work ${key}: member objects released`);
      return undefined;
    }
    if (!hasFinalizer(work, FINALIZER_WORK_MEMBER_CLEANUP)) {
      await addFinalizer(this.opts.federation, WORKS, work, FINALIZER_WORK_MEMBER_CLEANUP);
      return undefined; // the update event brings us back
    }
    const conflict = work.metadata.annotations?.[ANNOTATION_CONFLICT_RESOLUTION];
    const outcomes: ManifestOutcome[] = [];
    for (const m of work.spec.workload.manifests) {
      outcomes.push(await this.apply(m, conflict === 'Overwrite' ? 'Overwrite' : 'Abort'));
    }
    const status = workStatus(work, outcomes);
    if (comparableStatus(status) !== comparableStatus(work.status)) {
      await this.opts.federation
        .resource<Work>(WORKS, this.ns)
        .updateStatus({ ...structuredClone(work), status })
        .catch(ignoreNotFound);
    }
    return { requeueAfterMs: this.opts.resyncMs ?? 10_000 };
  }

  /** Applies one manifest; a refusal by the member becomes the outcome's error. */
  private async apply(m: KubeObject, conflict: ConflictResolution): Promise<ManifestOutcome> {
    try {
      const { gvr, namespaced } = manifestResource(m);
      this.watch(gvr);
      const ns = namespaced ? m.metadata.namespace : undefined;
      if (ns) await this.ensureNamespace(ns);
      const rc = this.opts.member.resource(gvr, ns);
      const name = m.metadata.name ?? '';
      let existing = await rc.get(name).catch(ignoreNotFound);
      // the interpreter's retain rule keeps the replicas a HorizontalPodAutoscaler here scales
      const autoscalers = async (): Promise<HorizontalPodAutoscaler[]> => {
        const list = await this.opts.member
          .resource<HorizontalPodAutoscaler>(HORIZONTALPODAUTOSCALERS, ns)
          .list()
          .catch(ignoreNotFound);
        return list?.items ?? [];
      };
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await writeMemberObject(
            rc,
            this.opts.clusterName,
            m,
            existing,
            conflict,
            autoscalers,
          );
          return {
            manifest: m,
            ...(r.object ? { object: r.object } : {}),
            ...(r.applied ? {} : { error: r.message ?? 'not applied' }),
          };
        } catch (err) {
          if (attempt > 0 || !isStale(err)) throw err;
          existing = await rc.get(name).catch(ignoreNotFound);
        }
      }
    } catch (err) {
      // the member refusing the object (invalid, forbidden) is reported on the Work; an
      // unreachable or failing member throws, so the Work is retried with back-off
      if (err instanceof UnknownManifestKindError) return { manifest: m, error: err.message };
      if (err instanceof ApiError && err.code < 500 && err.code !== 429) {
        return { manifest: m, error: `${m.kind} ${m.metadata.name ?? ''}: ${err.message}` };
      }
      throw err;
    }
  }

  private async ensureNamespace(ns: string): Promise<void> {
    await this.opts.member
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch((err: unknown) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
  }

  /** Deletes (or orphans) the Work's member objects. @throws when the member cannot be reached */
  private async release(work: Work): Promise<void> {
    const orphan = work.metadata.annotations?.[ANNOTATION_WORK_ORPHAN] === 'true';
    for (const m of work.spec.workload.manifests) {
      let res;
      try {
        res = manifestResource(m);
      } catch (err) {
        if (err instanceof UnknownManifestKindError) continue; // never applied
        throw err;
      }
      const rc = this.opts.member.resource(
        res.gvr,
        res.namespaced ? m.metadata.namespace : undefined,
      );
      const existing = await rc.get(m.metadata.name ?? '').catch(ignoreNotFound);
      const label = m.metadata.labels?.[LABEL_TEMPLATE] ?? '';
      await releaseMemberObject(rc, existing, label, { orphan, waitGone: false });
    }
  }

  /** Member changes of managed objects of `gvr` requeue their Work (status follows promptly). */
  private watch(gvr: GroupVersionResource): void {
    const key = `${gvr.group}/${gvr.version}/${gvr.resource}`;
    if (this.watched.has(key)) return;
    this.watched.add(key);
    const enqueue = (o: KubeObject): void => {
      const label = o.metadata.labels?.[LABEL_TEMPLATE];
      const kind = label?.split('.')[0];
      if (kind === undefined) return;
      const name = workName(kind, o.metadata.namespace, o.metadata.name ?? '');
      this.controller.enqueue(`${this.ns}/${name}`);
    };
    this.opts.memberInformers
      .for(gvr, { labelSelector: MANAGED })
      .addEventHandler({ onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
  }
}
