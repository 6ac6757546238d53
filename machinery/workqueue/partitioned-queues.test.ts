import { describe, expect, it } from 'vitest';
import { ItemExponentialRateLimiter } from './rate-limiter.js';
import { PartitionedQueues } from './partitioned-queues.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('PartitionedQueues', () => {
  it('a partition whose items hang never delays another', async () => {
    const done: string[] = [];
    let release: () => void = () => undefined;
    const hung = new Promise<void>((r) => (release = r));
    const q = new PartitionedQueues({
      name: 'exec',
      workers: 2,
      handle: async (p, item) => {
        if (p === 'slow') await hung;
        done.push(`${p}/${item}`);
      },
    });
    const stop = new AbortController();
    const running = q.run(stop.signal);
    for (let i = 0; i < 5; i++) {
      q.add('slow', `k${String(i)}`);
      q.add('fast', `k${String(i)}`);
    }
    await tick(10);
    expect(done).toEqual(['fast/k0', 'fast/k1', 'fast/k2', 'fast/k3', 'fast/k4']);
    expect(q.depth('slow')).toBe(3); // two on its own two workers, three waiting
    expect(q.depth('fast')).toBe(0);
    release();
    await tick(10);
    expect(done.filter((d) => d.startsWith('slow/'))).toHaveLength(5);
    stop.abort();
    await running;
  });

  it('retries a failed item with its own back-off, without holding a worker', async () => {
    const attempts: number[] = [];
    const others: string[] = [];
    const q = new PartitionedQueues({
      name: 'exec',
      workers: 1,
      rateLimiter: () => new ItemExponentialRateLimiter(20, 1000),
      handle: (p, item) => {
        if (item === 'bad') {
          attempts.push(Date.now());
          return attempts.length < 3 ? Promise.reject(new Error('503')) : Promise.resolve();
        }
        others.push(item);
        return Promise.resolve();
      },
    });
    const stop = new AbortController();
    const running = q.run(stop.signal);
    q.add('m', 'bad');
    await tick(1);
    expect(q.backingOff('m', 'bad')).toBe(true);
    // the single worker is free for other items while 'bad' waits
    q.add('m', 'good');
    await tick(1);
    expect(others).toEqual(['good']);
    await tick(120);
    expect(attempts).toHaveLength(3);
    expect(q.backingOff('m', 'bad')).toBe(false);
    const [a = 0, b = 0, c = 0] = attempts;
    expect(b - a).toBeGreaterThanOrEqual(15);
    expect(c - b).toBeGreaterThanOrEqual(35);
    stop.abort();
    await running;
  });

  it('retryNow cuts the back-off of a partition short', async () => {
    let n = 0;
    const q = new PartitionedQueues({
      name: 'exec',
      rateLimiter: () => new ItemExponentialRateLimiter(60_000, 60_000),
      handle: () => (++n === 1 ? Promise.reject(new Error('refused')) : Promise.resolve()),
    });
    const stop = new AbortController();
    const running = q.run(stop.signal);
    q.add('m3', 'k');
    await tick(5);
    expect(n).toBe(1);
    q.retryNow('m3');
    await tick(5);
    expect(n).toBe(2);
    expect(q.backingOff('m3', 'k')).toBe(false);
    stop.abort();
    await running; // the pending back-off timer does not keep it running
  });

  it('reports each partition as its own workqueue and starts partitions made later', async () => {
    const names: string[] = [];
    const q = new PartitionedQueues({ name: 'member-execution', handle: () => Promise.resolve() });
    const stop = new AbortController();
    const running = q.run(stop.signal, {
      queue: (name) => {
        names.push(name);
        return {
          added: () => undefined,
          started: () => undefined,
          finished: () => undefined,
          retried: () => undefined,
        };
      },
      reconcileError: () => undefined,
    });
    q.add('member1', 'a');
    q.add('member2', 'a');
    await tick(5);
    expect(names).toEqual(['member-execution/member1', 'member-execution/member2']);
    expect(q.partitions()).toEqual(['member1', 'member2']);
    q.drop('member2');
    expect(q.partitions()).toEqual(['member1']);
    stop.abort();
    await running;
  });
});
