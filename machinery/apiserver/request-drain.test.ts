import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestDrain } from './request-drain.js';

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

let close: (() => void) | undefined;
afterEach(() => {
  close?.();
  close = undefined;
});

/** A server whose requests take `?ms=` milliseconds, behind the drain middleware. */
async function serve(drain: RequestDrain): Promise<number> {
  const app = new Koa();
  app.use(drain.middleware());
  app.use(async (ctx) => {
    await new Promise((r) => setTimeout(r, Number(ctx.query.ms ?? 0)));
    ctx.body = 'done';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  close = () => {
    server.closeAllConnections();
    server.close();
  };
  return (server.address() as AddressInfo).port;
}

describe('RequestDrain', () => {
  it('waits for the requests in flight, not longer', async () => {
    const drain = new RequestDrain();
    const port = await serve(drain);
    const slow = get(port, '/slow?ms=300');
    await new Promise((r) => setTimeout(r, 50));
    const start = Date.now();
    await drain.wait(5000);
    const waited = Date.now() - start;
    expect(await slow).toBe(200);
    expect(waited).toBeGreaterThanOrEqual(200);
    expect(waited).toBeLessThan(2000);
  });

  it('does not wait for watches or followed logs, and gives up after the grace period', async () => {
    const drain = new RequestDrain();
    const port = await serve(drain);
    void get(port, '/w?watch=true&ms=3000').catch(() => undefined);
    void get(port, '/l?follow=true&ms=3000').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    let start = Date.now();
    await drain.wait(5000);
    expect(Date.now() - start).toBeLessThan(100);
    void get(port, '/slow?ms=3000').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    start = Date.now();
    await drain.wait(200);
    expect(Date.now() - start).toBeLessThan(1500);
  });
});
