import dgram from 'node:dgram';
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  installLoopbackGuard,
  isLoopbackAddress,
  NonLoopbackDestinationError,
} from './loopback-guard.js';

installLoopbackGuard();

describe('loopback guard', () => {
  it('knows loopback addresses', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('127.86.1.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.96.0.1')).toBe(false);
    expect(isLoopbackAddress('172.17.0.2')).toBe(false);
  });

  it('refuses a TCP connect outside loopback before anything is sent, in every call form', async () => {
    expect(() => connect(80, '10.96.0.1')).toThrow(NonLoopbackDestinationError);
    expect(() => connect({ host: '172.17.0.2', port: 80 })).toThrow(/outside 127\.0\.0\.0\/8/);
    await expect(
      fetch('http://10.96.0.10:80/', { signal: AbortSignal.timeout(2000) }),
    ).rejects.toThrow();
  });

  it('lets loopback through: TCP by address and by name, UDP', async () => {
    const srv = createServer((s) => s.end('hi'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    for (const host of ['127.0.0.1', 'localhost']) {
      const got = await new Promise<string>((resolve, reject) => {
        const s = connect({ host, port, family: 4 });
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString()));
        s.on('end', () => resolve(text));
        s.on('error', reject);
      });
      expect(got).toBe('hi');
    }
    srv.close();
    const rx = dgram.createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
    const got = new Promise<string>((r) => rx.once('message', (m) => r(m.toString())));
    const tx = dgram.createSocket('udp4');
    tx.send('ping', rx.address().port, '127.0.0.1');
    expect(await got).toBe('ping');
    expect(() => tx.send('ping', 53, '10.96.0.10')).toThrow(NonLoopbackDestinationError);
    tx.close();
    rx.close();
  });
});
