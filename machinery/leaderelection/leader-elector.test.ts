// Leader election against an in-memory Lease store shared by several candidates' clients, with
// short durations (lease 1 s, renew deadline 600 ms, retry 100 ms).
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient, ResourceClient } from '../client/kube-client.js';
import {
  AlreadyExistsError,
  ConflictError,
  InternalError,
  NotFoundError,
} from '../errors/index.js';
import type { KubeObject } from '../meta.js';
import { LeaderElectionOptionsError, LeadershipLostError } from './errors.js';
import { leaderElectionIdentity } from './identity.js';
import { runLeaderElected } from './leader-elector.js';
import type { LeaseObject } from './lease-lock.js';
import type { LeaderElectionOptions } from './options.js';

/** One API server's Leases: get/create/update with resourceVersion preconditions. */
class FakeLeaseServer {
  readonly leases = new Map<string, LeaseObject>();
  private rv = 1;

  /** A client of this server; set `failing` to make every request fail (a partitioned process). */
  client(): KubeClient & { failing: boolean } {
    const c = {
      failing: false,
      resource: <T extends KubeObject>(_gvr: unknown, namespace?: string): ResourceClient<T> => {
        const key = (name: string): string => `${namespace ?? ''}/${name}`;
        const call = <R>(fn: () => R): Promise<R> =>
          c.failing
            ? Promise.reject(new InternalError('connection refused'))
            : new Promise<void>((resolve) => setImmediate(resolve)).then(fn);
        const unsupported = (): never => {
          throw new Error('not supported by FakeLeaseServer');
        };
        const leases: Pick<ResourceClient<LeaseObject>, 'get' | 'create' | 'update'> = {
          get: (name) => call(() => structuredClone(this.must(key(name)))),
          create: (obj) =>
            call(() => {
              const k = key(obj.metadata.name ?? '');
              if (this.leases.has(k)) throw new AlreadyExistsError(`lease ${k} exists`);
              return this.save(k, {
                ...obj,
                metadata: { ...obj.metadata, namespace: namespace ?? '' },
              });
            }),
          update: (obj) =>
            call(() => {
              const k = key(obj.metadata.name ?? '');
              const cur = this.must(k);
              if (cur.metadata.resourceVersion !== obj.metadata.resourceVersion) {
                throw new ConflictError(`lease ${k} was modified`);
              }
              return this.save(k, obj);
            }),
        };
        return {
          ...(leases as unknown as Pick<ResourceClient<T>, 'get' | 'create' | 'update'>),
          list: unsupported,
          updateStatus: unsupported,
          patch: unsupported,
          delete: unsupported,
          watch: unsupported,
          subresource: unsupported,
        };
      },
    };
    return c;
  }

  lease(name: string): LeaseObject | undefined {
    return this.leases.get(`kube-system/${name}`);
  }

  private must(k: string): LeaseObject {
    const l = this.leases.get(k);
    if (!l) throw new NotFoundError(`lease ${k} not found`);
    return l;
  }

  private save(k: string, obj: LeaseObject): LeaseObject {
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    this.leases.set(k, stored);
    return structuredClone(stored);
  }
}

/** One candidate: its run, its outer controller, and what its `lead` saw. */
interface Candidate {
  id: string;
  stop: AbortController;
  done: Promise<void>;
  leading: boolean;
  /** The signal `lead` got, once it was called. */
  leadSignal?: AbortSignal;
  client: KubeClient & { failing: boolean };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const running: Candidate[] = [];

function candidate(server: FakeLeaseServer, id: string, log?: string[]): Candidate {
  const client = server.client();
  const stop = new AbortController();
  const opts: LeaderElectionOptions = {
    client,
    name: 'test-lock',
    identity: id,
    leaseDurationSeconds: 1,
    renewDeadlineMs: 600,
    retryPeriodMs: 100,
  };
  if (log) opts.onNewLeader = (leader) => log.push(leader);
  const c: Candidate = { id, stop, client, leading: false, done: Promise.resolve() };
  c.done = runLeaderElected(opts, stop.signal, async (signal) => {
    c.leading = true;
    c.leadSignal = signal;
    await new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    c.leading = false;
  });
  running.push(c);
  return c;
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`condition not met in ${String(timeoutMs)} ms`);
    }
    await sleep(10);
  }
  return Date.now() - start;
}

afterEach(async () => {
  for (const c of running.splice(0)) {
    c.stop.abort();
    await c.done;
  }
});

describe('runLeaderElected', () => {
  it('a single candidate creates the Lease and leads', async () => {
    const server = new FakeLeaseServer();
    const leaders: string[] = [];
    const a = candidate(server, 'a', leaders);
    await until(() => a.leading);
    const spec = server.lease('test-lock')?.spec;
    expect(spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
    expect(spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(spec?.acquireTime).toBe(spec?.renewTime);
    expect(leaders).toEqual(['a']);

    // renewals move renewTime, keep acquireTime
    const first = spec?.renewTime ?? '';
    await sleep(250);
    const later = server.lease('test-lock')?.spec;
    expect(later?.renewTime).not.toBe(first);
    expect(later?.acquireTime).toBe(spec?.acquireTime);
    expect(a.leadSignal?.aborted).toBe(false);
  });

  it('of two candidates only one leads at a time', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    const b = candidate(server, 'b');
    await until(() => a.leading || b.leading);
    for (let i = 0; i < 15; i++) {
      expect(Number(a.leading) + Number(b.leading)).toBe(1);
      await sleep(100);
    }
    const leader = a.leading ? a : b;
    expect(server.lease('test-lock')?.spec?.holderIdentity).toBe(leader.id);
  });

  it('aborting the leader releases the Lease and the other leads within a retry period', async () => {
    const server = new FakeLeaseServer();
    const seenByB: string[] = [];
    const a = candidate(server, 'a');
    await until(() => a.leading);
    const b = candidate(server, 'b', seenByB);
    await sleep(300);
    expect(b.leading).toBe(false);

    a.stop.abort();
    await a.done;
    expect(a.leading).toBe(false);
    expect(server.lease('test-lock')?.spec).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
    });
    // b retries every 100-220 ms (jitter); the released lease is not waited out
    const took = await until(() => b.leading);
    expect(took).toBeLessThan(400);
    expect(server.lease('test-lock')?.spec).toMatchObject({
      holderIdentity: 'b',
      leaseTransitions: 1,
    });
    expect(seenByB).toEqual(['a', 'b']); // onNewLeader: a's lease observed, then its own
  });

  it('a leader that cannot renew loses leadership; the other takes over after expiry', async () => {
    const server = new FakeLeaseServer();
    const a = candidate(server, 'a');
    await until(() => a.leading);
    const b = candidate(server, 'b');
    await sleep(200);

    const cutAt = Date.now();
    a.client.failing = true;
    await until(() => a.leadSignal?.aborted === true);
    const lostAfter = Date.now() - cutAt;
    // the renew round in flight started ≤ 100 ms before the cut and gives up 600 ms after it began
    expect(lostAfter).toBeGreaterThanOrEqual(450);
    expect(lostAfter).toBeLessThan(1000);
    expect(a.leadSignal?.reason).toBeInstanceOf(LeadershipLostError);
    await a.done; // returns without competing again, though its outer signal never aborted
    expect(a.stop.signal.aborted).toBe(false);
    expect(b.leading).toBe(false); // b still waits out the lease a last renewed

    await until(() => b.leading);
    const tookOver = Date.now() - cutAt;
    // b saw a's last renewal ≤ ~100 ms before the cut, and waits 1 s from then, + retry jitter
    expect(tookOver).toBeGreaterThanOrEqual(800);
    expect(tookOver).toBeLessThan(1600);
    expect(server.lease('test-lock')?.spec).toMatchObject({
      holderIdentity: 'b',
      leaseTransitions: 1,
    });
  });

  it('lead throwing releases the Lease and rejects with its error', async () => {
    const server = new FakeLeaseServer();
    const boom = new Error('boom');
    const run = runLeaderElected(
      {
        client: server.client(),
        name: 'test-lock',
        identity: 'a',
        leaseDurationSeconds: 1,
        renewDeadlineMs: 600,
        retryPeriodMs: 100,
      },
      new AbortController().signal,
      () => Promise.reject(boom),
    );
    await expect(run).rejects.toBe(boom);
    expect(server.lease('test-lock')?.spec?.holderIdentity).toBe('');
  });

  it('rejects inconsistent durations before touching the API', async () => {
    const server = new FakeLeaseServer();
    const run = runLeaderElected(
      {
        client: server.client(),
        name: 'test-lock',
        identity: '',
        leaseDurationSeconds: 1,
        renewDeadlineMs: 1000,
        retryPeriodMs: 900,
      },
      new AbortController().signal,
      () => Promise.resolve(),
    );
    await expect(run).rejects.toBeInstanceOf(LeaderElectionOptionsError);
    await expect(run).rejects.toMatchObject({
      problems: [
        'identity is required',
        'leaseDurationSeconds must be greater than renewDeadlineMs',
        'renewDeadlineMs must be greater than 1.2 × retryPeriodMs',
      ],
    });
    expect(server.leases.size).toBe(0);
  });

  it('leaderElectionIdentity is <hostname>_<uuid>', () => {
    const id = leaderElectionIdentity('flotilla-controller-manager');
    expect(id).toMatch(/^.+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(leaderElectionIdentity('x')).not.toBe(id);
  });
});
