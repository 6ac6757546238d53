import { describe, expect, it } from 'vitest';
import { runWithLogContext } from '../log/log-context.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue request ids', () => {
  it('keeps the latest request id of a deduplicated key', async () => {
    const q = new WorkQueue();
    q.add('ns/a', 'req-1');
    q.add('ns/a', 'req-2');
    q.add('ns/b');
    expect(q.len).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(q.requestIdOf('ns/a')).toBe('req-2');
    expect(await q.get()).toBe('ns/b');
    expect(q.requestIdOf('ns/b')).toBeUndefined();
    q.done('ns/a');
    expect(q.requestIdOf('ns/a')).toBeUndefined();
  });

  it('takes the request id of the log context (an informer handler) by default', async () => {
    const q = new WorkQueue();
    runWithLogContext({ requestId: 'from-watch' }, () => {
      q.add('ns/a');
    });
    expect(await q.get()).toBe('ns/a');
    expect(q.requestIdOf('ns/a')).toBe('from-watch');
  });

  it('an add while the key is processed carries its id to the next round', async () => {
    const q = new WorkQueue();
    q.add('k', 'first');
    expect(await q.get()).toBe('k');
    q.add('k', 'second');
    q.add('k', 'third');
    // the round in progress keeps its own id
    expect(q.requestIdOf('k')).toBe('first');
    q.done('k');
    expect(await q.get()).toBe('k');
    expect(q.requestIdOf('k')).toBe('third');
  });

  it('hands the id to a worker already waiting', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('k', 'waited');
    expect(await next).toBe('k');
    expect(q.requestIdOf('k')).toBe('waited');
  });
});
