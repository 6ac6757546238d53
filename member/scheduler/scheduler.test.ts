// The Scheduler's binding cycle on the in-memory client: a failed asynchronous binding forgets
// the assumed pod (its node's resources are free again) and returns it to the queue with back-off.
import { describe, expect, it } from 'vitest';
import { NODES, PODS, type Node, type Pod } from '../../api/index.js';
import type { Logger } from '../../machinery/controller/index.js';
import { InternalError } from '../../machinery/errors/index.js';
import { FakeKubeClient } from '../../machinery/testing/fake-kube-client.js';
import { Scheduler } from './scheduler.js';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function node(name: string, cpu: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { allocatable: { cpu, memory: '4Gi', pods: '10' } },
  };
}

function pod(name: string, cpu: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu } } }] },
  };
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A scheduler on `client` until `done` holds; returns the binding attempts (target nodes). */
async function runUntil(
  client: FakeKubeClient,
  done: (bindings: string[]) => boolean,
  bindBackoff = { initialMs: 10, maxMs: 100 },
): Promise<string[]> {
  const bindings = (): string[] =>
    client.actions
      .filter((a) => a.verb === 'subresource' && a.name.endsWith('/binding'))
      .map((a) => (a.body as { target: { name: string } }).target.name);
  const sched = new Scheduler({ client, bindBackoff, logger: quiet });
  const ac = new AbortController();
  const running = sched.run(ac.signal);
  try {
    await until(() => done(bindings()));
  } finally {
    ac.abort();
    await running;
  }
  return bindings();
}

describe('Scheduler binding cycle', () => {
  it('returns a pod whose binding failed to the queue and frees the resources it assumed', async () => {
    const client = new FakeKubeClient();
    // the pod takes the whole node: had the failed binding kept it assumed, the retry would
    // find the node full and report the pod unschedulable instead of binding it again
    client.seed(NODES, node('only', '1'));
    client.seed(PODS, pod('p', '1'));
    let calls = 0;
    client.reactors.push((a) =>
      a.verb === 'subresource' && a.name === 'p/binding' && calls++ === 0
        ? new InternalError('etcdserver: leader changed')
        : undefined,
    );
    const bindings = await runUntil(client, (b) => b.length >= 2);
    expect(bindings).toEqual(['only', 'only']);
    expect(client.actions.filter((a) => a.verb === 'updateStatus')).toEqual([]);
  });

  it('backs a pod whose binding keeps failing off, doubling up to the maximum', async () => {
    const client = new FakeKubeClient();
    client.seed(NODES, node('n1', '4'));
    client.seed(PODS, pod('p', '1'));
    const at: number[] = [];
    client.reactors.push((a) => {
      if (a.verb !== 'subresource') return undefined;
      at.push(performance.now());
      return new InternalError('etcdserver: request timed out');
    });
    await runUntil(client, (b) => b.length >= 5, { initialMs: 40, maxMs: 160 });
    const gaps = at.slice(1, 5).map((t, i) => t - (at[i] ?? 0));
    // timers never fire early (1 ms of clock rounding allowed); later is fine on a busy machine
    [40, 80, 160, 160].forEach((min, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(min - 1);
    });
  });
});
