import { afterEach, describe, expect, it } from 'vitest';
import { consoleLogger } from '../../../machinery/controller/index.js';
import { CRONJOBS, JOBS, type CronJob, type Job } from '../../../api/index.js';
import { EventRecorder } from '../event-recorder.js';
import { FIXTURE_NOW, startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { ownerRef } from '../testing/objects.js';
import { CronJobController } from './cronjob-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

/** FIXTURE_NOW is 2026-01-01T00:10:00Z; its minute number names the Job of that start. */
const MIN_NOW = String(FIXTURE_NOW.getTime() / 60_000);

function cronJob(spec: Partial<CronJob['spec']> = {}, status: CronJob['status'] = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: 'tick',
      namespace: 'default',
      uid: 'uid-tick',
      creationTimestamp: '2026-01-01T00:08:30Z',
    },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: 'tick' } },
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] },
          },
        },
      },
      ...spec,
    },
    status,
  };
}

function ownedJob(
  name: string,
  finished?: 'Complete' | 'Failed',
  start = '2026-01-01T00:00:00Z',
): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ownerReferences: [ownerRef('CronJob', 'tick', 'batch/v1')],
    },
    spec: { template: { spec: { containers: [] } } },
    status: {
      startTime: start,
      ...(finished
        ? {
            completionTime: start,
            conditions: [{ type: finished, status: 'True' as const }],
          }
        : {}),
    },
  };
}

async function run(seed: FixtureSeed, now = FIXTURE_NOW) {
  const f = await startFixture(
    seed,
    (ctx) => {
      ctx.recorder = new EventRecorder({
        client: ctx.client,
        component: 'cronjob-controller',
        logger: consoleLogger('test', true),
        now: ctx.now,
      });
      return new CronJobController(ctx);
    },
    [{ gvr: CRONJOBS }, { gvr: JOBS }],
    now,
  );
  fx = f;
  const res = await f.controller.reconcile('default/tick');
  return { res, actions: f.client.actions };
}

const summary = (a: { verb: string; resource: string; name: string }) =>
  `${a.verb} ${a.resource} ${a.verb === 'create' && a.resource === '/events' ? 'event' : a.name}`;

describe('CronJobController', () => {
  it('creates one Job for the most recent due start and requeues for the next one', async () => {
    const { actions, res } = await run([[CRONJOBS, [cronJob()]]]);
    expect(actions.map(summary)).toEqual([
      `create batch/jobs tick-${MIN_NOW}`,
      'create /events event',
      'updateStatus batch/cronjobs tick',
    ]);
    expect(actions[0]?.body).toMatchObject({
      metadata: {
        labels: { app: 'tick' },
        annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-01-01T00:10:00Z' },
        ownerReferences: [ownerRef('CronJob', 'tick', 'batch/v1')],
      },
      spec: { template: { spec: { restartPolicy: 'Never' } } },
    });
    expect((actions[2]?.body as CronJob).status).toEqual({
      lastScheduleTime: '2026-01-01T00:10:00Z',
      active: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: `tick-${MIN_NOW}`,
          namespace: 'default',
          uid: `uid-tick-${MIN_NOW}`,
        },
      ],
    });
    expect(res).toEqual({ requeueAfterMs: 60_100 });
  });

  it('does nothing before the first start time, only requeues', async () => {
    const { actions, res } = await run(
      [[CRONJOBS, [cronJob({ schedule: '0 3 * * *' })]]],
      new Date('2026-01-01T02:59:30Z'),
    );
    expect(actions).toEqual([]);
    expect(res).toEqual({ requeueAfterMs: 30_100 });
  });

  it('evaluates the schedule in spec.timeZone', async () => {
    // 01:10 in Berlin is 00:10Z
    const { actions } = await run([
      [CRONJOBS, [cronJob({ schedule: '10 1 * * *', timeZone: 'Europe/Berlin' })]],
    ]);
    expect(actions.map(summary)[0]).toBe(`create batch/jobs tick-${MIN_NOW}`);
  });

  it('skips a start while a Job is active with concurrencyPolicy Forbid', async () => {
    const status = { lastScheduleTime: '2026-01-01T00:09:00Z' };
    const { actions } = await run([
      [CRONJOBS, [cronJob({ concurrencyPolicy: 'Forbid' }, status)]],
      [JOBS, [ownedJob('tick-1')]],
    ]);
    expect(actions.map(summary)).toEqual(['updateStatus batch/cronjobs tick']);
    expect((actions[0]?.body as CronJob).status?.lastScheduleTime).toBe('2026-01-01T00:09:00Z');
  });

  it('replaces the active Job with concurrencyPolicy Replace', async () => {
    const status = { lastScheduleTime: '2026-01-01T00:09:00Z' };
    const { actions } = await run([
      [CRONJOBS, [cronJob({ concurrencyPolicy: 'Replace' }, status)]],
      [JOBS, [ownedJob('tick-1')]],
    ]);
    expect(actions.map(summary)).toEqual([
      'delete batch/jobs tick-1',
      'create /events event',
      `create batch/jobs tick-${MIN_NOW}`,
      'create /events event',
      'updateStatus batch/cronjobs tick',
    ]);
    expect(actions[0]?.body).toEqual({ propagationPolicy: 'Background' });
  });

  it('creates nothing while suspended', async () => {
    expect((await run([[CRONJOBS, [cronJob({ suspend: true })]]])).actions).toEqual([]);
  });

  it('ignores starts older than startingDeadlineSeconds', async () => {
    const { actions } = await run(
      [[CRONJOBS, [cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 60 })]]],
      new Date('2026-01-01T01:02:00Z'),
    );
    expect(actions).toEqual([]);
  });

  it('runs only the latest of more than 100 missed starts and records an event', async () => {
    const { actions } = await run([
      [CRONJOBS, [cronJob({}, { lastScheduleTime: '2025-12-31T00:00:00Z' })]],
    ]);
    expect(actions.map(summary)).toEqual([
      'create /events event',
      `create batch/jobs tick-${MIN_NOW}`,
      'create /events event',
      'updateStatus batch/cronjobs tick',
    ]);
    expect(actions[0]?.body).toMatchObject({ reason: 'TooManyMissedTimes' });
  });

  it('deletes finished Jobs beyond the history limits, oldest first', async () => {
    const jobs = [
      ownedJob('ok-1', 'Complete', '2026-01-01T00:01:00Z'),
      ownedJob('ok-2', 'Complete', '2026-01-01T00:02:00Z'),
      ownedJob('ok-3', 'Complete', '2026-01-01T00:03:00Z'),
      ownedJob('bad-1', 'Failed', '2026-01-01T00:04:00Z'),
      ownedJob('bad-2', 'Failed', '2026-01-01T00:05:00Z'),
    ];
    const { actions } = await run([
      [
        CRONJOBS,
        [
          cronJob(
            { successfulJobsHistoryLimit: 1, suspend: true },
            { lastSuccessfulTime: '2026-01-01T00:03:00Z' },
          ),
        ],
      ],
      [JOBS, jobs],
    ]);
    expect(actions.filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual([
      'ok-1',
      'ok-2',
      'bad-1',
    ]);
  });
});
