import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Controller } from '../controller/controller.js';
import { WorkQueue } from '../workqueue/work-queue.js';
import { PrometheusWorkqueueMetrics } from './workqueue-metrics.js';

const synced = { waitForSync: () => Promise.resolve() };

describe('PrometheusWorkqueueMetrics', () => {
  it('reports depth at scrape time, adds after de-duplication, latencies and retries', async () => {
    const registry = new Registry();
    const provider = new PrometheusWorkqueueMetrics(registry);
    const q = new WorkQueue({ setTimeout: () => 0, clearTimeout: () => undefined });
    q.setMetrics(provider.queue('demo', () => q.len));
    q.add('a');
    q.add('a'); // de-duplicated: not an add
    q.add('b');
    let text = await registry.metrics();
    expect(text).toMatch(/^workqueue_depth\{name="demo"\} 2$/m);
    expect(text).toMatch(/^workqueue_adds_total\{name="demo"\} 2$/m);
    const item = await q.get();
    q.addRateLimited(item ?? '');
    q.done(item ?? '');
    text = await registry.metrics();
    expect(text).toMatch(/^workqueue_depth\{name="demo"\} 1$/m);
    expect(text).toMatch(/^workqueue_retries_total\{name="demo"\} 1$/m);
    expect(text).toMatch(/^workqueue_queue_duration_seconds_count\{name="demo"\} 1$/m);
    expect(text).toMatch(/^workqueue_work_duration_seconds_count\{name="demo"\} 1$/m);
  });

  it('counts reconcile errors of a controller run with the provider', async () => {
    const registry = new Registry();
    const provider = new PrometheusWorkqueueMetrics(registry);
    const abort = new AbortController();
    const c = new Controller({
      name: 'failing',
      informers: [synced],
      workers: 1,
      queue: new WorkQueue({ setTimeout: () => 0, clearTimeout: () => undefined }),
      reconcile: () => {
        abort.abort();
        return Promise.reject(new Error('boom'));
      },
    });
    c.enqueue('ns/x');
    await c.run(abort.signal, provider);
    const text = await registry.metrics();
    expect(text).toMatch(/^controller_reconcile_errors_total\{controller="failing"\} 1$/m);
    expect(text).toMatch(/^workqueue_retries_total\{name="failing"\} 1$/m);
  });
});
