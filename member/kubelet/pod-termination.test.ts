import { describe, expect, it } from 'vitest';
import { consoleLogger } from '../../machinery/controller/index.js';
import { ConflictError } from '../../machinery/errors/index.js';
import { PODS, type Pod } from '../../api/index.js';
import { EventRecorder } from '../controllers/event-recorder.js';
import { FakeKubeClient } from '../controllers/testing/fake-kube-client.js';
import { LABEL_CONTAINER, LABEL_POD_UID } from './container-runtime.js';
import { HollowRuntime } from './hollow-runtime.js';
import { PodEvents } from './pod-events.js';
import { notReadyStatus, PodTerminator, remainingGraceSeconds } from './pod-termination.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** A hollow runtime that records every stop's grace period; `hold` keeps stops pending. */
class RecordingRuntime extends HollowRuntime {
  readonly stops: number[] = [];
  hold: Promise<void> | undefined;

  override async stop(id: string, graceSeconds = 0): Promise<void> {
    this.stops.push(graceSeconds);
    // a shorter stop (SIGKILL) ends a pending one, as a second `docker stop -t 0` does
    if (graceSeconds > 0 && this.hold) await this.hold;
    await super.stop(id);
  }
}

/** A pod marked for deletion at NOW with `grace` seconds, ready and running one container. */
function terminatingPod(grace: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'default',
      uid: 'uid-p',
      deletionTimestamp: new Date(NOW + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      deletionGracePeriodSeconds: grace,
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1' }] },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
      ],
      containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox:1' }],
    },
  };
}

const logger = consoleLogger('terminator-test', true);

async function setup(grace: number, nowMs = NOW) {
  const client = new FakeKubeClient();
  const pod = terminatingPod(grace);
  client.seed(PODS, pod);
  const runtime = new RecordingRuntime();
  const id = await runtime.create({
    name: 'c',
    image: 'busybox:1',
    env: {},
    ports: [],
    labels: { [LABEL_POD_UID]: 'uid-p', [LABEL_CONTAINER]: 'c' },
  });
  await runtime.start(id);
  const failed: string[] = [];
  const stoppedUids: string[] = [];
  const terminator = new PodTerminator({
    client,
    runtime,
    events: new PodEvents(
      new EventRecorder({
        client,
        component: 'kubelet',
        host: 'n1',
        logger,
        now: () => new Date(NOW),
      }),
    ),
    now: () => nowMs,
    logger,
    onStopped: (uid) => stoppedUids.push(uid),
    onFailed: (key) => failed.push(key),
  });
  const podActions = () => client.actions.filter((a) => a.resource === '/pods');
  return { client, pod, runtime, terminator, failed, stoppedUids, podActions };
}

describe('remainingGraceSeconds', () => {
  it('counts down to the deletionTimestamp, never above the period, never below 0', () => {
    const pod = terminatingPod(30);
    expect(remainingGraceSeconds(pod, NOW)).toBe(30);
    expect(remainingGraceSeconds(pod, NOW + 12_500)).toBe(18);
    expect(remainingGraceSeconds(pod, NOW + 60_000)).toBe(0);
    expect(remainingGraceSeconds(pod, NOW - 60_000)).toBe(30);
  });
});

describe('notReadyStatus', () => {
  it('turns containers and the Ready conditions false, once', () => {
    const status = notReadyStatus(terminatingPod(30).status, NOW);
    expect(status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(status?.conditions?.map((c) => c.status)).toEqual(['False', 'False']);
    expect(notReadyStatus(status, NOW)).toBeUndefined();
  });
});

describe('PodTerminator', () => {
  it('marks the pod not ready, stops its containers within the remaining grace, then deletes it by uid with grace 0', async () => {
    const h = await setup(30, NOW + 10_000);
    h.terminator.terminate(h.pod);
    expect(h.terminator.terminating('uid-p')).toBe(true);
    await h.terminator.stopped();
    expect(h.runtime.stops).toEqual([20]);
    expect(await h.runtime.list({ [LABEL_POD_UID]: 'uid-p' })).toEqual([]);
    expect(h.stoppedUids).toEqual(['uid-p']);
    expect(h.podActions().map((a) => [a.verb, a.name])).toEqual([
      ['updateStatus', 'p'],
      ['delete', 'p'],
    ]);
    const status = h.podActions()[0]?.body as Pod;
    expect(status.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(h.podActions()[1]?.body).toEqual({
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-p' },
    });
    expect(h.terminator.terminating('uid-p')).toBe(false);
    expect(h.failed).toEqual([]);
  });

  it('stops again within a shortened period while the first stop still waits', async () => {
    const h = await setup(30);
    let release = (): void => undefined;
    h.runtime.hold = new Promise((r) => {
      release = r;
    });
    h.terminator.terminate(h.pod);
    await expect.poll(() => h.runtime.stops).toEqual([30]);
    // the same grace again (a resync) does nothing; a forced delete (0) kills at once
    h.terminator.terminate(h.pod);
    h.terminator.terminate({
      ...h.pod,
      metadata: { ...h.pod.metadata, deletionGracePeriodSeconds: 0 },
    });
    await expect.poll(() => h.runtime.stops).toEqual([30, 0]);
    release();
    await h.terminator.stopped();
    expect(h.podActions().map((a) => a.verb)).toEqual(['updateStatus', 'delete']);
  });

  it('takes a pod already gone or replaced (uid precondition) as done, and retries other failures', async () => {
    const h = await setup(1);
    h.client.reactors.push((a) =>
      a.verb === 'delete' ? new ConflictError('Precondition failed: UID') : undefined,
    );
    h.terminator.terminate(h.pod);
    await h.terminator.stopped();
    expect(h.failed).toEqual([]);
    h.client.reactors.length = 0;
    h.client.reactors.push((a) =>
      a.verb === 'delete' ? new Error('connection reset') : undefined,
    );
    h.terminator.terminate(h.pod);
    await h.terminator.stopped();
    expect(h.failed).toEqual(['default/p']);
  });
});
