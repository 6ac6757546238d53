import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../apis/index.js';
import { ForbiddenError, InvalidError } from '../../../machinery/errors/index.js';
import { ItemExponentialRateLimiter } from '../../../machinery/workqueue/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { MemberUnavailableError } from '../errors/index.js';
import {
  isRetryable,
  MemberExecution,
  type ApplyIntent,
  type MemberExecutionOptions,
} from './member-execution.js';
import type { ApplyResult, TemplateType } from './template-type.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
const CM: TemplateType = {
  gvr: { group: '', version: 'v1', resource: 'configmaps' },
  kind: 'ConfigMap',
  apiVersion: 'v1',
  status: false,
};
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function cluster(name: string): Cluster {
  return { metadata: { name }, spec: { apiEndpoint: `https://${name}` } } as Cluster;
}

function intent(member: string, name: string, data = '1'): ApplyIntent {
  const desired: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns' },
    data: { v: data },
  };
  return {
    op: 'apply',
    cluster: cluster(member),
    t: CM,
    tmpl: desired,
    desired,
    conflictResolution: undefined,
  };
}

/** An execution whose members answer through `write`, recording the keys told to reconcile. */
function setup(write: MemberExecutionOptions['apply'], release = () => Promise.resolve(true)) {
  const changed: string[] = [];
  const ex = new MemberExecution({
    apply: write,
    release,
    changed: (k) => changed.push(k),
    workers: 2,
    rateLimiter: () => new ItemExponentialRateLimiter(40, 1000),
    logger: quiet,
  });
  const stop = new AbortController();
  const running = ex.run(stop.signal);
  return {
    ex,
    changed,
    stop: async () => {
      stop.abort();
      await running;
    },
  };
}

const ok = (i: ApplyIntent): Promise<ApplyResult> =>
  Promise.resolve({ cluster: i.cluster.metadata.name ?? '', applied: true, object: i.desired });

describe('MemberExecution', () => {
  it('queues the write, answers pending, then the outcome (and tells the template)', async () => {
    const s = setup(ok);
    expect(s.ex.apply('k1', intent('member1', 'a'))).toMatchObject({
      applied: false,
      pending: true,
    });
    await tick(5);
    expect(s.changed).toEqual(['k1']);
    expect(s.ex.apply('k1', intent('member1', 'a'))).toMatchObject({ applied: true });
    await tick(5);
    expect(s.changed).toEqual(['k1']); // same outcome: not told again
    await s.stop();
  });

  it('a member that hangs delays neither the caller nor the other members', async () => {
    const written: string[] = [];
    let unblock: () => void = () => undefined;
    const hung = new Promise<void>((r) => (unblock = r));
    const s = setup(async (i) => {
      const name = i.cluster.metadata.name ?? '';
      if (name === 'member3') await hung;
      written.push(`${name}/${i.desired.metadata.name ?? ''}`);
      return ok(i);
    });
    for (let n = 0; n < 20; n++) {
      for (const m of ['member1', 'member2', 'member3']) {
        s.ex.apply(`k${String(n)}`, intent(m, `o${String(n)}`));
      }
    }
    await tick(10);
    expect(written).toHaveLength(40);
    expect(s.ex.depth('member3')).toBe(18); // 2 on its own workers, hung
    expect(s.ex.depth('member1')).toBe(0);
    s.ex.dropCluster('member3');
    unblock(); // in production a member call ends at its timeout; stop awaits running calls
    await s.stop();
  });

  it('retries a retryable failure with back-off; the resync does not cut the back-off short', async () => {
    let calls = 0;
    const s = setup((i) => {
      calls++;
      return calls <= 2 ? Promise.reject(new MemberUnavailableError('member3')) : ok(i);
    });
    s.ex.apply('k', intent('member3', 'a'));
    await tick(5);
    expect(calls).toBe(1);
    expect(s.ex.apply('k', intent('member3', 'a'))).toMatchObject({
      applied: false,
      message: expect.stringContaining('circuit open') as unknown,
    });
    await tick(5);
    expect(calls).toBe(1); // still waiting out 40 ms
    await tick(150);
    expect(calls).toBe(3);
    expect(s.ex.apply('k', intent('member3', 'a'))).toMatchObject({ applied: true });
    await s.stop();
  });

  it('a changed copy is queued at once, even while backing off', async () => {
    const seen: string[] = [];
    const s = setup((i) => {
      const v = (i.desired as { data?: { v?: string } }).data?.v ?? '';
      seen.push(v);
      return v === '1' ? Promise.reject(new MemberUnavailableError('member3')) : ok(i);
    });
    s.ex.apply('k', intent('member3', 'a', '1'));
    await tick(5);
    s.ex.apply('k', intent('member3', 'a', '2'));
    await tick(5);
    expect(seen).toEqual(['1', '2']);
    await s.stop();
  });

  it('keeps a permanent failure as the outcome without retrying it', async () => {
    let calls = 0;
    const s = setup(() => {
      calls++;
      return Promise.reject(new InvalidError('spec.data: invalid'));
    });
    s.ex.apply('k', intent('member1', 'a'));
    await tick(100);
    expect(calls).toBe(1);
    expect(s.ex.apply('k', intent('member1', 'a'))).toMatchObject({ applied: false });
    await s.stop();
  });

  it('releases through the queue and reports what is left; forget names running calls', async () => {
    let finish: (v: boolean) => void = () => undefined;
    const s = setup(ok, () => new Promise<boolean>((r) => (finish = r)));
    const release = {
      op: 'release' as const,
      cluster: cluster('member2'),
      t: CM,
      tmpl: intent('member2', 'a').tmpl,
      release: { orphan: false, waitGone: false },
    };
    expect(s.ex.release('k', release)).toBe(false);
    await tick(5);
    expect(s.ex.forget('k')).toEqual(['member2']);
    finish(true);
    await tick(5);
    expect(s.changed).toEqual([]); // forgotten: the outcome is dropped
    expect(s.ex.release('k', release)).toBe(false);
    await tick(5);
    finish(true);
    await tick(5);
    expect(s.ex.release('k', release)).toBe(true);
    expect(s.changed).toEqual(['k']);
    await s.stop();
  });

  it('classifies errors', () => {
    expect(isRetryable(new MemberUnavailableError('m'))).toBe(true);
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
    expect(isRetryable(new ForbiddenError('no'))).toBe(false);
    expect(isRetryable(new InvalidError('no'))).toBe(false);
  });
});
