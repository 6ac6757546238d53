import { afterEach, describe, expect, it } from 'vitest';
import { JOBS, PODS, type Job, type JobSpec, type Pod } from '../../../api/index.js';
import { FIXTURE_NOW, startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { ownerRef } from '../testing/objects.js';
import { JobController } from './job-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const NOW = FIXTURE_NOW.toISOString().replace('.000Z', 'Z');

function job(spec: Partial<JobSpec> = {}, status: Job['status'] = {}): Job {
  const labels = { 'batch.kubernetes.io/controller-uid': 'uid-pi' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'uid-pi' },
    spec: {
      completions: 6,
      parallelism: 2,
      backoffLimit: 6,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] },
      },
      ...spec,
    },
    status,
  };
}

function jobPod(name: string, phase: 'Running' | 'Succeeded' | 'Failed'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: { 'batch.kubernetes.io/controller-uid': 'uid-pi' },
      ownerReferences: [ownerRef('Job', 'pi', 'batch/v1')],
    },
    spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] },
    status: { phase },
  };
}

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new JobController(ctx), [
    { gvr: PODS },
    { gvr: JOBS },
  ]);
  fx = f;
  const res = await f.controller.reconcile('default/pi');
  return { res, actions: f.client.actions, client: f.client };
}

const summary = (a: { verb: string; resource: string; name: string }) =>
  `${a.verb} ${a.resource} ${a.name}`;

describe('JobController', () => {
  it('starts parallelism pods labelled and owned by the Job, and records startTime', async () => {
    const { actions } = await run([[JOBS, [job()]]]);
    expect(actions.map(summary)).toEqual([
      'create /pods pi-',
      'create /pods pi-',
      'updateStatus batch/jobs pi',
    ]);
    expect(actions[0]?.body).toMatchObject({
      metadata: {
        generateName: 'pi-',
        labels: {
          'batch.kubernetes.io/job-name': 'pi',
          'job-name': 'pi',
          'controller-uid': 'uid-pi',
          'batch.kubernetes.io/controller-uid': 'uid-pi',
        },
        ownerReferences: [ownerRef('Job', 'pi', 'batch/v1')],
      },
      spec: { restartPolicy: 'Never' },
    });
    expect((actions[2]?.body as Job).status).toEqual({
      startTime: NOW,
      active: 2,
      ready: 0,
      succeeded: 0,
      failed: 0,
    });
  });

  it('creates only the pods still needed for the remaining completions', async () => {
    const done = ['a', 'b', 'c', 'd', 'e'].map((n) => jobPod(n, 'Succeeded'));
    const { actions } = await run([
      [JOBS, [job({}, { startTime: NOW })]],
      [PODS, done],
    ]);
    expect(actions.map(summary)).toEqual(['create /pods pi-', 'updateStatus batch/jobs pi']);
  });

  it('marks the Job Complete once succeeded reaches completions', async () => {
    const done = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => jobPod(n, 'Succeeded'));
    const { actions } = await run([
      [JOBS, [job({}, { startTime: NOW, active: 2 })]],
      [PODS, done],
    ]);
    expect(actions.map(summary)).toEqual(['updateStatus batch/jobs pi']);
    expect((actions[0]?.body as Job).status).toMatchObject({
      completionTime: NOW,
      active: 0,
      succeeded: 6,
      conditions: [{ type: 'Complete', status: 'True', reason: 'CompletionsReached' }],
    });
  });

  it('fails with BackoffLimitExceeded past backoffLimit failed pods and stops the active ones', async () => {
    const pods = [jobPod('f1', 'Failed'), jobPod('f2', 'Failed'), jobPod('r1', 'Running')];
    const { actions } = await run([
      [JOBS, [job({ backoffLimit: 1 }, { startTime: NOW })]],
      [PODS, pods],
    ]);
    expect(actions.map(summary)).toEqual(['delete /pods r1', 'updateStatus batch/jobs pi']);
    expect((actions[1]?.body as Job).status).toMatchObject({
      active: 0,
      failed: 2,
      conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
    });
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds', async () => {
    const started = new Date(FIXTURE_NOW.getTime() - 61_000).toISOString();
    const { actions } = await run([
      [JOBS, [job({ activeDeadlineSeconds: 60 }, { startTime: started })]],
      [PODS, [jobPod('r1', 'Running')]],
    ]);
    expect(actions.map(summary)).toEqual(['delete /pods r1', 'updateStatus batch/jobs pi']);
    expect((actions[1]?.body as Job).status?.conditions?.[0]?.reason).toBe('DeadlineExceeded');
  });

  it('requeues for the deadline while it has not passed', async () => {
    const started = new Date(FIXTURE_NOW.getTime() - 30_000).toISOString();
    const { res } = await run([
      [JOBS, [job({ activeDeadlineSeconds: 60, parallelism: 1 }, { startTime: started })]],
      [PODS, [jobPod('r1', 'Running')]],
    ]);
    expect(res).toEqual({ requeueAfterMs: 30_050 });
  });

  it('deletes a finished Job after ttlSecondsAfterFinished, in the background', async () => {
    const finished = new Date(FIXTURE_NOW.getTime() - 100_000).toISOString();
    const status: Job['status'] = {
      startTime: finished,
      completionTime: finished,
      succeeded: 6,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: finished }],
    };
    const { actions } = await run([[JOBS, [job({ ttlSecondsAfterFinished: 60 }, status)]]]);
    expect(actions).toEqual([
      {
        verb: 'delete',
        resource: 'batch/jobs',
        namespace: 'default',
        name: 'pi',
        body: { propagationPolicy: 'Background', preconditions: { uid: 'uid-pi' } },
      },
    ]);
  });

  it('does nothing for a finished Job without TTL, or a missing Job', async () => {
    const status: Job['status'] = {
      succeeded: 6,
      conditions: [{ type: 'Complete', status: 'True' }],
    };
    const { actions, res } = await run([[JOBS, [job({}, status)]]]);
    expect(actions).toEqual([]);
    expect(res).toBeUndefined();
    await fx?.stop();
    expect((await run([])).actions).toEqual([]);
  });
});
