import { describe, expect, it } from 'vitest';
import { consoleLogger } from '../../machinery/controller/index.js';
import { NODES, PODS, type ContainerStatus, type Node, type Pod } from '../../api/index.js';
import { FakeKubeClient } from '../controllers/testing/fake-kube-client.js';
import {
  LABEL_CONTAINER,
  LABEL_POD_UID,
  LABEL_RESTARTS,
  type RuntimeContainer,
} from './container-runtime.js';
import { HollowRuntime } from './hollow-runtime.js';
import { Kubelet } from './kubelet.js';
import { adoptedPodState } from './pod-adoption.js';

const pod = (status?: Pod['status']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'uid-p' },
  spec: {
    nodeName: 'n1',
    containers: [
      {
        name: 'c',
        image: 'busybox:1',
        // a restarted kubelet's first probe result alone does not make the container ready
        readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1, successThreshold: 2 },
      },
    ],
  },
  ...(status ? { status } : {}),
});

const container = (id: string, restarts: number, running: boolean): RuntimeContainer => ({
  id,
  labels: { [LABEL_POD_UID]: 'uid-p', [LABEL_CONTAINER]: 'c', [LABEL_RESTARTS]: String(restarts) },
  image: 'busybox:1',
  imageId: 'sha256:x',
  running,
  createdAt: restarts,
});

describe('adoptedPodState', () => {
  it('is a fresh state for a new pod', () => {
    const s = adoptedPodState(pod(), [], new Date('2026-01-01T00:00:00.5Z'));
    expect(s).toMatchObject({ restarts: {}, started: {}, ready: {} });
    expect(s.startTime).toBe('2026-01-01T00:00:00Z');
  });

  it("takes the restart count of the newest container, the status's startTime and readiness of the same running container", () => {
    const status: Pod['status'] = {
      startTime: '2025-12-31T10:00:00Z',
      containerStatuses: [
        { name: 'c', ready: true, restartCount: 2, image: 'busybox:1', containerID: 'docker://b' },
      ],
    };
    const live = [container('a', 1, false), container('b', 2, true)];
    const s = adoptedPodState(pod(status), live, new Date());
    expect(s).toMatchObject({
      startTime: '2025-12-31T10:00:00Z',
      restarts: { c: 2 },
      started: { c: true },
      ready: { c: true },
    });
    // another container than the one reported ready (or one that stopped) is probed afresh
    const replaced = [container('b', 2, true), container('d', 3, true)];
    expect(adoptedPodState(pod(status), replaced, new Date()).ready).toEqual({});
    const stopped = [container('b', 2, false)];
    expect(adoptedPodState(pod(status), stopped, new Date()).ready).toEqual({});
  });
});

describe('a restarted kubelet', () => {
  it('adopts the running container: same container, restartCount and startTime kept, still ready', async () => {
    const client = new FakeKubeClient();
    client.seed(PODS, pod());
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      spec: { podCIDR: '127.128.0.0/26', podCIDRs: ['127.128.0.0/26'] },
    };
    client.seed(NODES, node);
    const runtime = new HollowRuntime();
    const run = (): { kubelet: Kubelet; stop: () => Promise<void> } => {
      const kubelet = new Kubelet({
        client,
        nodeName: 'n1',
        nodeAddress: '127.0.5.1',
        runtime,
        heartbeatMs: 600_000,
        syncPeriodMs: 50,
        crashLoopBaseMs: 10,
        logger: consoleLogger('kubelet-test', true),
      });
      const abort = new AbortController();
      const done = kubelet.run(abort.signal);
      return {
        kubelet,
        stop: async () => {
          abort.abort();
          await done;
        },
      };
    };
    const status = (): ContainerStatus | undefined =>
      client.stored<Pod>(PODS, 'default', 'p')?.status?.containerStatuses?.[0];
    const first = run();
    await expect.poll(() => status()?.ready, { timeout: 10_000 }).toBe(true);
    // one restart (the container exits), so there is a count to keep
    const [c] = await runtime.list({ [LABEL_POD_UID]: 'uid-p' });
    await runtime.stop(c?.id ?? '');
    await expect
      .poll(() => status()?.restartCount === 1 && status()?.ready, { timeout: 10_000 })
      .toBe(true);
    await first.stop();
    const before = client.stored<Pod>(PODS, 'default', 'p')?.status;
    const second = run();
    try {
      // its informer has the pod (its own first sync may have run already)
      await expect.poll(() => second.kubelet.boundPods().length, { timeout: 10_000 }).toBe(1);
      await second.kubelet.syncPod('default/p');
      const after = client.stored<Pod>(PODS, 'default', 'p')?.status;
      expect(after?.startTime).toBe(before?.startTime);
      expect(after?.containerStatuses?.[0]).toMatchObject({
        ready: true,
        restartCount: 1,
        containerID: before?.containerStatuses?.[0]?.containerID,
      });
      expect(
        (await runtime.list({ [LABEL_POD_UID]: 'uid-p' })).filter((x) => x.running),
      ).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
