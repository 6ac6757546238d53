import { describe, expect, it } from 'vitest';
import { serveControllerManagerMetrics, serveMetrics } from './metrics-endpoint.js';

describe('serveMetrics', () => {
  it('serves GET /metrics from the source, 404 elsewhere, 500 when the source fails', async () => {
    let fail = false;
    const endpoint = await serveMetrics('127.0.0.1', 0, {
      contentType: 'text/plain; version=0.0.4',
      render: () => (fail ? Promise.reject(new Error('boom')) : Promise.resolve('up 1\n')),
    });
    try {
      expect(endpoint.address).toBe(`127.0.0.1:${String(endpoint.port)}`);
      const ok = await fetch(`http://${endpoint.address}/metrics?x=1`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4');
      expect(await ok.text()).toBe('up 1\n');
      expect((await fetch(`http://${endpoint.address}/other`)).status).toBe(404);
      expect((await fetch(`http://${endpoint.address}/metrics`, { method: 'POST' })).status).toBe(
        404,
      );
      fail = true;
      const bad = await fetch(`http://${endpoint.address}/metrics`);
      expect(bad.status).toBe(500);
      expect(await bad.text()).toBe('boom\n');
    } finally {
      await endpoint.close();
    }
  });
});

describe('serveControllerManagerMetrics', () => {
  it('serves the workqueue series, and the process metrics only when asked', async () => {
    for (const processMetrics of [false, true]) {
      const m = await serveControllerManagerMetrics('127.0.0.1', 0, { processMetrics });
      try {
        m.workqueues.queue('demo', () => 0).added('x');
        const body = await (await fetch(`http://${m.address}/metrics`)).text();
        expect(body).toContain('workqueue_adds_total{name="demo"} 1');
        expect(body.includes('process_cpu_user_seconds_total')).toBe(processMetrics);
      } finally {
        await m.close();
      }
    }
  });
});
