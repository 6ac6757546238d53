import { createServer, connect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../machinery/log/logger.js';
import type { FrontendOptions } from './frontend.js';
import { ProxyMetrics } from './proxy-metrics.js';
import type { FrontendSpec } from './service-table.js';
import { TcpFrontend } from './tcp-frontend.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const opts: FrontendOptions = {
  logger: createLogger({ component: 'test', level: 'silent' }),
  metrics: new ProxyMetrics(),
  retryMs: 50,
  connectAttempts: 3,
  connectTimeoutMs: 1000,
  udpIdleTimeoutMs: 1000,
};

async function listen(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

/** Reads what the frontend's backend says on connect ('' when the connection is reset). */
function hello(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
  });
}

const spec = (
  ip: string,
  port: number,
  backends: { ip: string; port: number }[],
): FrontendSpec => ({
  key: `TCP/${ip}:${String(port)}`,
  kind: 'ClusterSetIP',
  protocol: 'TCP',
  ip,
  port,
  servicePort: 'default/web:http',
  backends,
  affinityMs: undefined,
});

describe('TcpFrontend', () => {
  it('stands by while another holds the address and takes over when it goes away', async () => {
    const backend = createServer((s) => s.end('from-backend'));
    const bport = await listen(backend, '127.0.0.1');
    const holder = createServer((s) => s.end('from-holder'));
    const port = await listen(holder, '127.0.77.1');
    const f = new TcpFrontend(spec('127.0.77.1', port, [{ ip: '127.0.0.1', port: bport }]), opts);
    cleanup.push(() => f.close());
    f.start();
    await expect.poll(() => f.state).toBe('standby');
    expect(await hello('127.0.77.1', port)).toBe('from-holder');
    await new Promise<void>((r) => holder.close(() => r()));
    await expect.poll(() => f.state, { timeout: 2000 }).toBe('listening');
    expect(await hello('127.0.77.1', port)).toBe('from-backend');
  });

  it('tries the next backend when one refuses and resets with no endpoint', async () => {
    const backend = createServer((s) => s.end('ok'));
    const bport = await listen(backend, '127.0.0.1');
    const dead = createServer();
    const deadPort = await listen(dead, '127.0.0.1');
    await new Promise<void>((r) => dead.close(() => r()));
    const holder = createServer();
    const port = await listen(holder, '127.0.77.2');
    await new Promise<void>((r) => holder.close(() => r()));
    const f = new TcpFrontend(
      spec('127.0.77.2', port, [
        { ip: '127.0.0.1', port: deadPort },
        { ip: '127.0.0.1', port: bport },
      ]),
      opts,
    );
    cleanup.push(() => f.close());
    f.start();
    await expect.poll(() => f.state).toBe('listening');
    for (let i = 0; i < 4; i++) expect(await hello('127.0.77.2', port)).toBe('ok');
    f.update(spec('127.0.77.2', port, []));
    expect(await hello('127.0.77.2', port)).toBe('');
  });
});
