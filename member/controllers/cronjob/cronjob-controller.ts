import { isDeepStrictEqual } from 'node:util';
import { splitKey } from '../../../machinery/meta.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import {
  CRONJOBS,
  CronSchedule,
  CronScheduleError,
  JOBS,
  type CronJob,
  type Job,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { controllerUid } from '../pod-template.js';
import { jobForSchedule, MAX_MISSED_STARTS, missedStarts } from './schedule-times.js';

/** Name of this controller (logs, `--controllers`). */
export const ControllerName = 'cronjob-controller';

/** Options for {@link CronJobController}. */
export interface CronJobControllerOptions {
  /**
   * Zone of schedules without `spec.timeZone` (the cluster's).
   * @defaultValue `'UTC'`
   */
  defaultTimeZone?: string;
}

type CronJobStatus = NonNullable<CronJob['status']>;

const iso = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** The finished condition type of a Job (`Complete`/`Failed`), if finished. */
function finishedType(j: Job): string | undefined {
  return j.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  )?.type;
}

/**
 * Creates a Job for each start time of a CronJob's schedule (in `spec.timeZone`), honouring
 * suspend, concurrencyPolicy and startingDeadlineSeconds. After downtime only the most recent
 * missed start runs; more than 100 missed starts also records a `TooManyMissedTimes` event.
 * Finished Jobs beyond the history limits are deleted. The clock is `ctx.now`; the reconcile
 * requeues itself for the next start time.
 */
export class CronJobController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly defaultTimeZone: string;

  constructor(ctx: ControllerContext, opts: CronJobControllerOptions = {}) {
    this.ctx = ctx;
    this.defaultTimeZone = opts.defaultTimeZone ?? 'UTC';
    const cjInf = ctx.informers.for<CronJob>(CRONJOBS);
    const jobInf = ctx.informers.for<Job>(JOBS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [cjInf, jobInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    cjInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const byOwner = (j: Job): void => {
      const ref = j.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'CronJob');
      if (ref) this.controller.enqueue(`${j.metadata.namespace ?? ''}/${ref.name}`);
    };
    jobInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
  }

  /** One reconcile: status of owned Jobs, history cleanup, then the due start (if any). */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const cj = this.ctx.informers.for<CronJob>(CRONJOBS).get(key);
    if (!cj || cj.metadata.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const jobs = this.ctx.informers
      .for<Job>(JOBS)
      .list(namespace)
      .filter((j) => controllerUid(j) === cj.metadata.uid && !j.metadata.deletionTimestamp);
    const status = this.observedStatus(cj, jobs);
    await this.cleanupHistory(cj, jobs);
    let sched: CronSchedule;
    try {
      sched = CronSchedule.parse(cj.spec.schedule);
    } catch (err) {
      // a user error validation should have refused: report it, retrying cannot help
      if (!(err instanceof CronScheduleError)) throw err;
      await this.ctx.recorder?.event(cj, 'Warning', 'UnparseableSchedule', err.message);
      await this.writeStatus(cj, status);
      return undefined;
    }
    if (cj.spec.suspend) {
      await this.writeStatus(cj, status);
      return undefined;
    }
    const tz = cj.spec.timeZone ?? this.defaultTimeZone;
    const now = this.ctx.now();
    await this.runDue(cj, sched, tz, now, status);
    await this.writeStatus(cj, status);
    const next = sched.next(now, tz);
    return next ? { requeueAfterMs: next.getTime() - now.getTime() + 100 } : undefined;
  }

  /** Status from the owned Jobs: `active` lists the unfinished ones; `lastSuccessfulTime`. */
  private observedStatus(cj: CronJob, jobs: Job[]): CronJobStatus {
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    const active = jobs
      .filter((j) => finishedType(j) === undefined)
      .map((j) => ({
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: j.metadata.name ?? '',
        namespace: j.metadata.namespace ?? '',
        uid: j.metadata.uid ?? '',
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (active.length > 0) status.active = active;
    else delete status.active;
    for (const j of jobs) {
      const done = j.status?.completionTime;
      if (finishedType(j) === 'Complete' && done && done > (status.lastSuccessfulTime ?? '')) {
        status.lastSuccessfulTime = done;
      }
    }
    return status;
  }

  /** Creates the Job for the most recent missed start, within deadline and concurrency policy. */
  private async runDue(
    cj: CronJob,
    sched: CronSchedule,
    tz: string,
    now: Date,
    status: CronJobStatus,
  ): Promise<void> {
    const created = Date.parse(cj.metadata.creationTimestamp ?? iso(now));
    let earliest = Date.parse(status.lastScheduleTime ?? '') || created;
    const sds = cj.spec.startingDeadlineSeconds;
    if (sds !== undefined) earliest = Math.max(earliest, now.getTime() - sds * 1000);
    const missed = missedStarts(sched, tz, new Date(earliest), now);
    if (missed.count > MAX_MISSED_STARTS) {
      await this.ctx.recorder?.event(
        cj,
        'Warning',
        'TooManyMissedTimes',
        `too many missed start times: ${String(missed.count)}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      );
    }
    const due = missed.mostRecent;
    if (!due) return;
    if (sds !== undefined && due.getTime() + sds * 1000 < now.getTime()) {
      await this.ctx.recorder?.event(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${iso(due)}`,
      );
      return;
    }
    const active = status.active ?? [];
    if (cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      // not recorded as scheduled: the start runs once the active Job ends, within the deadline
      return;
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of active) await this.deleteJob(cj, ref.name, 'SuccessfulDelete');
      delete status.active;
    }
    const jobClient = this.ctx.client.resource<Job>(JOBS, cj.metadata.namespace);
    try {
      const job = await jobClient.create(jobForSchedule(cj, due));
      status.active = [
        ...(status.active ?? []),
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name ?? '',
          namespace: job.metadata.namespace ?? '',
          uid: job.metadata.uid ?? '',
        },
      ];
      await this.ctx.recorder?.event(
        cj,
        'Normal',
        'SuccessfulCreate',
        `Created job ${job.metadata.name ?? ''}`,
      );
    } catch (err) {
      // the Job of this start time exists already (an earlier reconcile whose status write was lost)
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    status.lastScheduleTime = iso(due);
  }

  /** Deletes the oldest finished Jobs beyond successful/failedJobsHistoryLimit. */
  private async cleanupHistory(cj: CronJob, jobs: Job[]): Promise<void> {
    const byStart = (a: Job, b: Job): number =>
      (a.status?.startTime ?? a.metadata.creationTimestamp ?? '').localeCompare(
        b.status?.startTime ?? b.metadata.creationTimestamp ?? '',
      );
    const limits: [string, number | undefined][] = [
      ['Complete', cj.spec.successfulJobsHistoryLimit],
      ['Failed', cj.spec.failedJobsHistoryLimit],
    ];
    for (const [type, limit] of limits) {
      if (limit === undefined) continue;
      const done = jobs.filter((j) => finishedType(j) === type).sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        await this.deleteJob(cj, j.metadata.name ?? '', 'SuccessfulDelete');
      }
    }
  }

  private async deleteJob(cj: CronJob, name: string, reason: string): Promise<void> {
    try {
      // Background: the garbage collector removes the Job's pods
      await this.ctx.client
        .resource<Job>(JOBS, cj.metadata.namespace)
        .delete(name, { propagationPolicy: 'Background' });
      await this.ctx.recorder?.event(cj, 'Normal', reason, `Deleted job ${name}`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  private async writeStatus(cj: CronJob, status: CronJobStatus): Promise<void> {
    if (isDeepStrictEqual(cj.status ?? {}, status)) return;
    const next = structuredClone(cj);
    next.status = status;
    await this.ctx.client
      .resource<CronJob>(CRONJOBS, cj.metadata.namespace)
      .updateStatus(next)
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }
}
