import { describe, expect, it } from 'vitest';
import {
  BucketRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  WorkQueue,
} from './index.js';

function fakeTimers() {
  const pending: { fn: () => void; ms: number }[] = [];
  return {
    pending,
    opts: {
      setTimeout: (fn: () => void, ms: number) => {
        const t = { fn, ms };
        pending.push(t);
        return t;
      },
      clearTimeout: (h: unknown) => {
        const i = pending.indexOf(h as never);
        if (i >= 0) pending.splice(i, 1);
      },
    },
    fire: () => {
      for (const t of pending.splice(0)) t.fn();
    },
  };
}

describe('WorkQueue', () => {
  it('de-duplicates queued items', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.len).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands the same item to two workers; re-adds after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.len).toBe(0);
    let second: string | undefined;
    void q.get().then((v) => (second = v));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first ?? '');
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('backs off per item exponentially and forgets', async () => {
    const t = fakeTimers();
    const q = new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter(10, 1000), ...t.opts });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      q.addRateLimited('a');
      delays.push(...t.pending.map((p) => p.ms));
      t.fire();
      q.done((await q.get()) ?? '');
    }
    expect(delays).toEqual([10, 20, 40]);
    expect(q.numRequeues('a')).toBe(3);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('keeps one timer per waiting item, the earliest deadline', () => {
    let now = 0;
    const t = fakeTimers();
    const q = new WorkQueue({ ...t.opts, now: () => now });
    // a periodic requeue asked for again and again (a reconcile per event) stays one timer
    q.addAfter('a', 5000);
    now = 1000;
    q.addAfter('a', 5000);
    q.addAfter('a', 5000);
    expect(t.pending.map((p) => p.ms)).toEqual([5000]);
    // an earlier deadline replaces it
    q.addAfter('a', 100);
    expect(t.pending.map((p) => p.ms)).toEqual([100]);
    q.addAfter('b', 200);
    t.fire();
    expect(q.len).toBe(2);
    // fired: the next addAfter starts a new timer
    q.addAfter('a', 5000);
    expect(t.pending.map((p) => p.ms)).toEqual([5000]);
    q.shutDown();
    expect(t.pending).toEqual([]);
  });

  it('combines limiters by max with a token bucket', () => {
    let now = 0;
    const l = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter(1, 10),
      new BucketRateLimiter(1, 1, () => now),
    );
    expect(l.when('x')).toBe(1);
    expect(l.when('y')).toBe(1000);
    now = 5000;
    expect(l.when('z')).toBe(1);
  });

  it('shutDown releases waiting workers', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.shutDown();
    expect(await p).toBeUndefined();
    q.add('a');
    expect(q.len).toBe(0);
  });
});

describe('WorkQueue with priorityOf', () => {
  it('hands out the highest priority first, FIFO among equals', async () => {
    const prio: Record<string, number> = { low: 0, high: 1000, mid: 5, mid2: 5 };
    const q = new WorkQueue({ priorityOf: (k) => prio[k] ?? 0 });
    for (const k of ['low', 'mid', 'high', 'mid2']) q.add(k);
    const order: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const k = await q.get();
      order.push(k);
      if (k) q.done(k);
    }
    expect(order).toEqual(['high', 'mid', 'mid2', 'low']);
  });
});
