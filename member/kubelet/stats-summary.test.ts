import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import {
  LABEL_CONTAINER,
  LABEL_NODE,
  LABEL_POD_UID,
  type ContainerSpec,
} from './container-runtime.js';
import { HollowRuntime } from './hollow-runtime.js';
import { statsSummary } from './stats-summary.js';

function pod(name: string, uid: string, containers: string[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid },
    spec: { nodeName: 'n1', containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
  };
}

async function run(
  rt: HollowRuntime,
  uid: string,
  container: string,
  node = 'n1',
): Promise<string> {
  const spec: ContainerSpec = {
    name: container,
    image: 'busybox',
    env: {},
    labels: { [LABEL_POD_UID]: uid, [LABEL_CONTAINER]: container, [LABEL_NODE]: node },
    ports: [],
    memoryBytes: 64 * 1024 * 1024,
  };
  const id = await rt.create(spec);
  await rt.start(id);
  return id;
}

describe('statsSummary', () => {
  it('reports running containers per pod, pod sums and the node total', async () => {
    const rt = new HollowRuntime();
    await run(rt, 'u1', 'app');
    await run(rt, 'u1', 'sidecar');
    const stopped = await run(rt, 'u2', 'app');
    await rt.stop(stopped);
    await run(rt, 'u3', 'app', 'other-node');
    const s = await statsSummary(
      'n1',
      [pod('a', 'u1', ['app', 'sidecar']), pod('b', 'u2', ['app']), pod('c', 'u3', ['app'])],
      rt,
    );
    expect(s.node.nodeName).toBe('n1');
    // b's container is stopped and c runs on another node: only a has usage
    expect(s.pods.map((p) => p.podRef.name)).toEqual(['a']);
    const a = s.pods[0];
    expect(a?.containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    const sum = (a?.containers ?? []).reduce((n, c) => n + c.memory.workingSetBytes, 0);
    expect(a?.memory.workingSetBytes).toBe(sum);
    expect(s.node.memory.workingSetBytes).toBe(sum);
    expect(s.node.cpu.usageNanoCores).toBe(a?.cpu.usageNanoCores);
    expect(a?.cpu.usageNanoCores).toBeGreaterThan(0);
  });

  it('is empty for a runtime without stats', async () => {
    const rt = new HollowRuntime();
    await run(rt, 'u1', 'app');
    const bare = Object.assign(Object.create(rt) as HollowRuntime, { stats: undefined });
    const s = await statsSummary('n1', [pod('a', 'u1', ['app'])], bare);
    expect(s.pods).toEqual([]);
    expect(s.node.cpu.usageNanoCores).toBe(0);
  });
});
