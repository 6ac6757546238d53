import { isDeepStrictEqual } from 'node:util';
import { splitKey } from '../../../machinery/meta.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import { labelSelectorFromObject } from '../../../machinery/selectors/index.js';
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  JOBS,
  PODS,
  type Job,
  type JobStatus,
  type Pod,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { controllerUid } from '../pod-template.js';
import { newPod, PodExpectations } from '../workload-pods.js';
import {
  countPods,
  failureReason,
  finishedCondition,
  isComplete,
  JobReasons,
  nextDeadlineMs,
  wantActive,
  type JobPods,
} from './job-status.js';

/** Name of this controller (logs, `--controllers`). */
export const ControllerName = 'job-controller';

type JobCondition = NonNullable<JobStatus['conditions']>[number];

/**
 * Runs a Job's pods to completion: keeps `min(parallelism, completions - succeeded)` pods active,
 * fails the Job past `backoffLimit` failed pods or `activeDeadlineSeconds` (deleting its active
 * pods), marks it Complete, and deletes it `ttlSecondsAfterFinished` after it finished. Pods carry
 * the job-name/controller-uid labels and a controller ownerReference, so the garbage collector
 * removes them with the Job.
 */
export class JobController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly expectations = new PodExpectations();

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const jobInf = ctx.informers.for<Job>(JOBS);
    const podInf = ctx.informers.for<Pod>(PODS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [jobInf, podInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    jobInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const byOwner = (p: Pod): void => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Job');
      if (ref) this.controller.enqueue(`${p.metadata.namespace ?? ''}/${ref.name}`);
    };
    podInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
  }

  /** One reconcile: TTL, failure and completion checks, pod creates/deletes, then status. */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const job = this.ctx.informers.for<Job>(JOBS).get(key);
    if (!job || job.metadata.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const uid = job.metadata.uid ?? '';
    const podInf = this.ctx.informers.for<Pod>(PODS);
    if (!this.expectations.satisfied(uid, (n) => podInf.get(`${namespace}/${n}`))) {
      // our last creates/deletes have not reached the cache yet; acting now would double them
      return { requeueAfterMs: 100 };
    }
    const sel = labelSelectorFromObject(job.spec.selector);
    const pods = podInf
      .list(namespace)
      .filter((p) => controllerUid(p) === uid && sel.matches(p.metadata.labels));
    const counts = countPods(job, pods);
    const now = this.ctx.now();
    const finished = finishedCondition(job);
    if (finished) return this.afterFinished(job, counts, finished, now);

    const startTime = job.status?.startTime ?? (job.spec.suspend ? undefined : iso(now));
    const conditions = [...(job.status?.conditions ?? [])];
    let completionTime: string | undefined;
    // pods created or deleted now count at once, as Kubernetes' status does
    let active = counts.active.length;
    const failure =
      startTime === undefined ? undefined : failureReason(job, counts, startTime, now);
    if (failure) {
      await this.deletePods(job, counts.active);
      conditions.push(condition('Failed', failure.reason, failure.message, now));
      await this.ctx.recorder?.event(job, 'Warning', failure.reason, failure.message);
    } else if (isComplete(job, counts)) {
      completionTime = iso(now);
      conditions.push(
        condition(
          'Complete',
          JobReasons.completionsReached,
          'Reached expected number of succeeded pods',
          now,
        ),
      );
      await this.ctx.recorder?.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      const want = wantActive(job, counts);
      if (active < want) await this.createPods(job, want - active);
      else if (active > want) {
        await this.deletePods(job, newestFirst(counts.active).slice(0, active - want));
      }
      active = want;
    }
    const status: JobStatus = {
      ...(startTime === undefined ? {} : { startTime }),
      ...(completionTime === undefined ? {} : { completionTime }),
      active: failure ? 0 : active,
      ready: failure ? 0 : counts.ready,
      succeeded: counts.succeeded,
      failed: counts.failed,
      ...(conditions.length > 0 ? { conditions } : {}),
    };
    await this.writeStatus(job, status);
    if (failure || completionTime !== undefined) {
      return this.ttlRequeue(job, completionTime ?? iso(now), now);
    }
    const deadline = startTime === undefined ? undefined : nextDeadlineMs(job, startTime, now);
    return deadline === undefined ? undefined : { requeueAfterMs: deadline + 50 };
  }

  /** A finished Job: stop leftover pods (after a failure), then honour ttlSecondsAfterFinished. */
  private async afterFinished(
    job: Job,
    counts: JobPods,
    finished: JobCondition,
    now: Date,
  ): Promise<RequeueAfter | undefined> {
    if (counts.active.length > 0) await this.deletePods(job, counts.active);
    const finishedAt = job.status?.completionTime ?? finished.lastTransitionTime ?? iso(now);
    const left = this.ttlRequeue(job, finishedAt, now);
    if (left?.requeueAfterMs !== 0) return left;
    try {
      // Background: the garbage collector deletes the pods through their ownerReferences
      await this.ctx.client
        .resource<Job>(JOBS, job.metadata.namespace)
        .delete(job.metadata.name ?? '', {
          propagationPolicy: 'Background',
          preconditions: { uid: job.metadata.uid ?? '' },
        });
      this.expectations.forget(job.metadata.uid ?? '');
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    return undefined;
  }

  /** Time left before a finished Job is deleted (0: now), or undefined without a TTL. */
  private ttlRequeue(job: Job, finishedAt: string, now: Date): RequeueAfter | undefined {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return undefined;
    return { requeueAfterMs: Math.max(0, Date.parse(finishedAt) + ttl * 1000 - now.getTime()) };
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<void> {
    if (isDeepStrictEqual(job.status ?? {}, status)) return;
    const next = structuredClone(job);
    next.status = status;
    await this.ctx.client
      .resource<Job>(JOBS, job.metadata.namespace)
      .updateStatus(next)
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }

  /** Creates `n` pods; a failure throws so the key is retried with backoff. */
  private async createPods(job: Job, n: number): Promise<void> {
    const uid = job.metadata.uid ?? '';
    const name = job.metadata.name ?? '';
    const labels = {
      [CONTROLLER_UID_LABEL]: uid,
      'controller-uid': uid,
      [JOB_NAME_LABEL]: name,
      'job-name': name,
    };
    const podClient = this.ctx.client.resource<Pod>(PODS, job.metadata.namespace);
    const results = await Promise.allSettled(
      Array.from({ length: n }, () => podClient.create(newPod(job, job.spec.template, { labels }))),
    );
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    this.expectations.expect(
      uid,
      created.map((p) => p.metadata.name ?? ''),
    );
    for (const p of created) {
      await this.ctx.recorder?.event(
        job,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${p.metadata.name ?? ''}`,
      );
    }
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      const reason = failed.reason as unknown;
      await this.ctx.recorder?.event(
        job,
        'Warning',
        'FailedCreate',
        `Error creating: ${String(reason)}`,
      );
      throw reason instanceof Error ? reason : new Error('pod create failed', { cause: reason });
    }
  }

  private async deletePods(job: Job, pods: Pod[]): Promise<void> {
    const podClient = this.ctx.client.resource<Pod>(PODS, job.metadata.namespace);
    const deleted: string[] = [];
    await Promise.all(
      pods.map(async (p) => {
        const name = p.metadata.name ?? '';
        try {
          await podClient.delete(name);
          deleted.push(name);
          await this.ctx.recorder?.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }),
    );
    this.expectations.expect(job.metadata.uid ?? '', [], deleted);
  }
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

function condition(type: string, reason: string, message: string, now: Date): JobCondition {
  const t = iso(now);
  return { type, status: 'True', reason, message, lastProbeTime: t, lastTransitionTime: t };
}

function newestFirst(pods: Pod[]): Pod[] {
  return [...pods].sort(
    (a, b) =>
      Date.parse(b.metadata.creationTimestamp ?? '0') -
      Date.parse(a.metadata.creationTimestamp ?? '0'),
  );
}
