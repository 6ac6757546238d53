import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/index.js';
import { LABEL_CONTAINER, type RuntimeContainer } from './container-runtime.js';
import { computePodStatus } from './pod-status.js';
import { newPodState } from './pod-state.js';

const running: RuntimeContainer = {
  id: 'abc',
  labels: { [LABEL_CONTAINER]: 'c' },
  image: 'busybox:1',
  imageId: 'sha256:x',
  running: true,
  startedAt: '2026-01-01T00:00:00.123Z',
  createdAt: 1,
};

const status = (c: Partial<Container>, ready?: boolean) => {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { containers: [{ name: 'c', image: 'busybox:1', ...c }] },
  };
  const state = newPodState(new Date());
  if (ready !== undefined) state.ready.c = ready;
  const addresses = { hostIP: '127.0.5.1', podIP: '127.128.0.2' };
  return computePodStatus(pod, new Map([['c', running]]), state, addresses, undefined);
};

describe('computePodStatus', () => {
  it('reports a running container with a readiness probe not ready until the probe passed', () => {
    const probe = { readinessProbe: { httpGet: { path: '/', port: 8080 } } };
    // just started: no probe result yet (the Service must not send it traffic)
    const fresh = status(probe);
    expect(fresh.containerStatuses?.[0]).toMatchObject({
      ready: false,
      containerID: 'docker://abc',
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
    });
    expect(fresh.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(status(probe, true).conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(status(probe, false).containerStatuses?.[0]?.ready).toBe(false);
  });

  it('reports a running container without a readiness probe ready', () => {
    const s = status({});
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses?.[0]?.ready).toBe(true);
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});
