import { describe, expect, it } from 'vitest';
import type { EphemeralContainer, Pod } from '../../api/index.js';
import { LABEL_CONTAINER, type RuntimeContainer } from './container-runtime.js';
import { sharedNamespaces, syncEphemeralContainers } from './ephemeral-containers.js';
import { newPodState } from './pod-state.js';

const rc = (id: string, name: string, running: boolean): RuntimeContainer => ({
  id,
  labels: { [LABEL_CONTAINER]: name },
  image: 'busybox',
  imageId: 'sha256:x',
  running,
  createdAt: 1,
});
const pod = (ephemeral: EphemeralContainer[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: {
    containers: [
      { name: 'sidecar', image: 'busybox' },
      { name: 'app', image: 'busybox' },
    ],
    ephemeralContainers: ephemeral,
  },
});

describe('ephemeral containers on the kubelet', () => {
  const regular = new Map([
    ['sidecar', rc('s1', 'sidecar', true)],
    ['app', rc('a1', 'app', true)],
  ]);

  it("joins the target's network and PID namespace, else the first running container's network", () => {
    const p = pod([]);
    expect(
      sharedNamespaces({ name: 'd', image: 'b', targetContainerName: 'app' }, p, regular),
    ).toEqual({ networkOf: 'a1', pidOf: 'a1' });
    expect(sharedNamespaces({ name: 'd', image: 'b' }, p, regular)).toEqual({ networkOf: 's1' });
    // a target that does not run: nothing to join for the PIDs
    const stopped = new Map([['app', rc('a1', 'app', false)]]);
    expect(
      sharedNamespaces({ name: 'd', image: 'b', targetContainerName: 'app' }, p, stopped),
    ).toEqual({});
  });

  it('starts each new one once and never restarts one that ran', async () => {
    const p = pod([
      { name: 'new', image: 'busybox', targetContainerName: 'app' },
      { name: 'exited', image: 'busybox' },
      { name: 'gone', image: 'busybox' },
    ]);
    const state = newPodState(new Date());
    state.started.gone = true;
    const exited = rc('e1', 'exited', false);
    const started: [string, object][] = [];
    const out = await syncEphemeralContainers(p, [exited], regular, state, (c, ns) => {
      started.push([c.name, ns]);
      return Promise.resolve(rc('n1', c.name, true));
    });
    expect(started).toEqual([['new', { networkOf: 'a1', pidOf: 'a1' }]]);
    expect([...out.entries()].map(([k, v]) => [k, v?.id])).toEqual([
      ['new', 'n1'],
      ['exited', 'e1'],
      ['gone', undefined],
    ]);
  });
});
