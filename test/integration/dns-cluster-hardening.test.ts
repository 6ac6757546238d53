// The dns2-based cluster DNS server under bad input: garbage, truncated, huge, zero-question and
// compression-loop packets over UDP and TCP must not crash it; `dig` (UDP and TCP) still works after.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterDnsServer, StaticCatalog } from '../../dns/index.js';

const run = promisify(execFile);
const dig = async (port: number, ...args: string[]): Promise<string> =>
  (
    await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], {
      timeout: 10_000,
    })
  ).stdout;

describe('cluster DNS hardening', () => {
  const server = new ClusterDnsServer({
    zone: 'cluster.member2',
    catalog: new StaticCatalog([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { clusterIP: '10.96.7.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      },
    ]),
  });
  let port = 0;
  beforeAll(async () => {
    port = (await server.start()).port;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers over UDP and TCP with a non-default zone', async () => {
    expect((await dig(port, '+short', 'web.default.svc.cluster.member2')).trim()).toBe('10.96.7.7');
    expect((await dig(port, '+tcp', '+short', 'WEB.Default.svc.Cluster.Member2')).trim()).toBe(
      '10.96.7.7',
    );
  });

  it('survives garbage over UDP and TCP and keeps answering', async () => {
    const sock = createSocket('udp4');
    const crafted = [
      Buffer.alloc(0),
      Buffer.from([1]),
      Buffer.alloc(12),
      Buffer.alloc(9000, 0xff),
      Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]),
      Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 0x61]),
      Buffer.from([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ];
    const random = Array.from({ length: 200 }, () =>
      Buffer.from(
        Array.from({ length: Math.floor(Math.random() * 120) }, () =>
          Math.floor(Math.random() * 256),
        ),
      ),
    );
    for (const p of [...crafted, ...random]) sock.send(p, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    sock.close();
    for (const payload of [
      Buffer.concat([Buffer.from([0, 18]), crafted[4] ?? Buffer.alloc(0)]),
      Buffer.from([0xff, 0xff, 1, 2, 3]),
      Buffer.alloc(5000, 0x41),
    ]) {
      await new Promise<void>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.end(payload));
        s.on('data', () => undefined);
        s.on('close', () => resolve());
        s.on('error', () => resolve());
        setTimeout(() => s.destroy(), 500);
      });
    }
    expect((await dig(port, '+short', 'web.default.svc.cluster.member2')).trim()).toBe('10.96.7.7');
    expect((await dig(port, '+tcp', '+short', 'web.default.svc.cluster.member2')).trim()).toBe(
      '10.96.7.7',
    );
    expect(await dig(port, 'nope.default.svc.cluster.member2')).toContain('status: NXDOMAIN');
  });
});

describe('TCP connection limit', () => {
  const server = new ClusterDnsServer({
    zone: 'cluster.member3',
    catalog: new StaticCatalog([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { clusterIP: '10.96.8.8', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      },
    ]),
    maxTcpConnections: 2,
  });
  let port = 0;
  const open: Socket[] = [];
  beforeAll(async () => {
    port = (await server.start()).port;
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await server.stop();
  });

  /** One framed A query for web.default.svc.cluster.member3. */
  const framed = (id: number): Buffer => {
    const labels = 'web.default.svc.cluster.member3'
      .split('.')
      .flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
    const msg = Buffer.concat([
      Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      ...labels,
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    return Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
  };

  /** Connects, sends one query; resolves 'answered' or 'closed' (closed without an answer). */
  const tryQuery = (id: number): Promise<'answered' | 'closed'> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => s.write(framed(id)));
      open.push(s);
      s.on('data', (d: Buffer) => {
        if (d.length >= 4 && d.readUInt16BE(2) === id) resolve('answered');
      });
      s.on('close', () => resolve('closed'));
      s.on('error', () => undefined);
    });

  it('closes connections beyond maxTcpConnections and accepts again when one ends', async () => {
    expect(await tryQuery(1)).toBe('answered');
    expect(await tryQuery(2)).toBe('answered');
    expect(await tryQuery(3)).toBe('closed');
    // UDP is not affected by the TCP limit
    expect((await dig(port, '+short', 'web.default.svc.cluster.member3')).trim()).toBe('10.96.8.8');
    open[0]?.destroy();
    await expect.poll(() => tryQuery(4), { timeout: 10_000 }).toBe('answered');
  });
});
