// Leader election on a real member API server (etcd-backed): two candidates compete for a
// coordination.k8s.io/v1 Lease in kube-system (lease 2 s, renew deadline 1.5 s, retry 300 ms);
// exactly one leads, the Lease names it, and aborting it hands over within ~2 s.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LEASES, type Lease } from '../../api/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { leaderElectionIdentity, runLeaderElected } from '../../machinery/leaderelection/index.js';
import { startHollowMember, type HollowMember } from '../support/hollow-member.js';

let env: HollowMember;

/** A Lease as stored, with the field `api/`'s Lease type does not spell. */
type StoredLease = Lease & { spec: Lease['spec'] & { leaseTransitions?: number } };

interface Candidate {
  id: string;
  stop: AbortController;
  done: Promise<void>;
  leading: boolean;
  leadSignal?: AbortSignal;
}

const running: Candidate[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function candidate(client: KubeClient, lease: string, component: string): Candidate {
  const c: Candidate = {
    id: leaderElectionIdentity(component),
    stop: new AbortController(),
    done: Promise.resolve(),
    leading: false,
  };
  c.done = runLeaderElected(
    {
      client,
      namespace: 'kube-system',
      name: lease,
      identity: c.id,
      leaseDurationSeconds: 2,
      renewDeadlineMs: 1500,
      retryPeriodMs: 300,
    },
    c.stop.signal,
    async (signal) => {
      c.leading = true;
      c.leadSignal = signal;
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      c.leading = false;
    },
  );
  running.push(c);
  return c;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`condition not met within ${String(timeoutMs)} ms`);
    }
    await sleep(20);
  }
  return Date.now() - start;
}

beforeAll(async () => {
  env = await startHollowMember('flotilla-leader-election-', {
    name: 'it-leader-election',
    nodes: 0,
    clusterIndex: 81,
  });
});

afterEach(async () => {
  for (const c of running.splice(0)) {
    c.stop.abort();
    await c.done;
  }
});

afterAll(async () => {
  await env?.stop();
});

describe('leader election on a member API server', () => {
  it('one of two candidates leads; aborting it hands the Lease over', async () => {
    const { member } = env;
    const lease = `it-${randomUUID().slice(0, 8)}`;
    const leases = member.client().resource<StoredLease>(LEASES, 'kube-system');
    // one candidate with the controller manager's own identity: its RBAC must allow the Lease
    const a = candidate(
      member.componentClient('system:kube-controller-manager'),
      lease,
      'kube-controller-manager',
    );
    const b = candidate(member.client(), lease, 'kube-controller-manager');

    await until(() => a.leading || b.leading, 10_000);
    for (let i = 0; i < 10; i++) {
      expect(Number(a.leading) + Number(b.leading)).toBe(1);
      await sleep(200);
    }
    const [leader, other] = a.leading ? [a, b] : [b, a];
    const held = await leases.get(lease);
    expect(held.spec).toMatchObject({ holderIdentity: leader.id, leaseDurationSeconds: 2 });
    expect(held.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const transitions = held.spec.leaseTransitions ?? 0;

    leader.stop.abort();
    const abortedAt = Date.now();
    await leader.done;
    expect(leader.leading).toBe(false);
    await until(() => other.leading, 2_000);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);

    const taken = await leases.get(lease);
    expect(taken.spec).toMatchObject({
      holderIdentity: other.id,
      leaseTransitions: transitions + 1,
    });
    expect(other.leadSignal?.aborted).toBe(false);
  });

  it('the released Lease is left to the next candidate with holderIdentity cleared', async () => {
    const { member } = env;
    const lease = `it-${randomUUID().slice(0, 8)}`;
    const leases = member.client().resource<StoredLease>(LEASES, 'kube-system');
    const a = candidate(member.client(), lease, 'kube-controller-manager');
    await until(() => a.leading, 10_000);
    a.stop.abort();
    await a.done;
    const released = await leases.get(lease);
    expect(released.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await leases.delete(lease);
  });
});
