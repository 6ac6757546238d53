// Resolver workers on one port (SO_REUSEPORT, Node 24): two resolvers bound to the same UDP port
// both receive and answer queries (the kernel spreads client sockets over them), and the built
// `flotilla-resolver --workers 2` runs two worker processes that share the port.
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { Resolver, RouteTable } from '../../dns/index.js';
import { freePort } from '../../hack/lib/ports.js';

const run = promisify(execFile);
const root = resolve(new URL('../..', import.meta.url).pathname);

/** A minimal A query for `name` with id `id` (RFC 1035 §4.1). */
function query(id: number, name: string): Buffer {
  const labels = name
    .split('.')
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/** Sends one query from a fresh socket (a new source port) and resolves to the reply. */
async function ask(port: number, id: number): Promise<Buffer> {
  const sock = createSocket('udp4');
  try {
    return await new Promise<Buffer>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no answer to query ${String(id)}`)), 3000);
      sock.once('message', (msg) => {
        clearTimeout(timer);
        res(msg);
      });
      sock.send(query(id, `q${String(id)}.example.test`), port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}

describe('resolver workers sharing one UDP port', () => {
  it('two resolvers bound with reusePort on the same port both answer', async () => {
    const port = await freePort();
    const a = new Resolver({ routes: new RouteTable(), port, reusePort: true });
    const b = new Resolver({ routes: new RouteTable(), port, reusePort: true });
    await a.start();
    await b.start();
    try {
      expect(a.address.port).toBe(port);
      expect(b.address.port).toBe(port);
      for (let id = 1; id <= 64; id++) {
        const reply = await ask(port, id);
        expect(reply.readUInt16BE(0)).toBe(id);
        // QR set, RCODE REFUSED (no route, no upstream): a real answer from one of the two
        expect(reply.readUInt16BE(2) & 0x8000).toBe(0x8000);
        expect(reply.readUInt16BE(2) & 0x000f).toBe(5);
      }
      expect(a.udpQueries + b.udpQueries).toBe(64);
      // 64 source ports hashed over two sockets: both get some (the chance of one getting
      // none is 2^-63)
      expect(a.udpQueries).toBeGreaterThan(0);
      expect(b.udpQueries).toBeGreaterThan(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('a resolver without reusePort cannot share its port', async () => {
    const port = await freePort();
    const a = new Resolver({ routes: new RouteTable(), port });
    await a.start();
    try {
      const b = new Resolver({ routes: new RouteTable(), port });
      await expect(b.start()).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await a.stop();
    }
  });

  describe('the built binary with --workers 2', () => {
    beforeAll(() => {
      // the suite (hack/test-all.sh) builds dist/ before the tests run
      if (!existsSync(join(root, 'dist', 'dns', 'cmd', 'resolver.js'))) {
        throw new Error('dist/ is missing: run `npm run build` first');
      }
    });

    it('runs two worker processes on one port that answer, and stops them on SIGTERM', async () => {
      const port = await freePort();
      const child = spawn(
        join(root, 'node_modules', '.bin', 'node'),
        [join(root, 'dist', 'dns', 'cmd', 'resolver.js'), '--port', String(port), '--workers', '2'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        await expect
          .poll(() => out.match(/resolver worker \d+:/g)?.length ?? 0, { timeout: 20_000 })
          .toBe(2);
        const ss = (await run('ss', ['-H', '-ulpn', `sport = :${String(port)}`])).stdout;
        const pids = new Set([...ss.matchAll(/pid=(\d+)/g)].map((m) => m[1]));
        expect(pids.size).toBe(2);
        expect(pids.has(String(child.pid))).toBe(false);
        for (let id = 1; id <= 16; id++) {
          expect((await ask(port, id)).readUInt16BE(0)).toBe(id);
        }
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      const left = (await run('ss', ['-H', '-ulpn', `sport = :${String(port)}`])).stdout;
      expect(left.trim()).toBe('');
    });

    it('refuses --workers 2 without a port, with exit code 2', async () => {
      const r = await run(join(root, 'node_modules', '.bin', 'node'), [
        join(root, 'dist', 'dns', 'cmd', 'resolver.js'),
        '--port',
        '0',
        '--workers',
        '2',
      ]).catch((e: { code: number; stderr: string }) => e);
      expect('code' in r ? r.code : 0).toBe(2);
      expect('stderr' in r ? r.stderr : '').toMatch(/--workers > 1 needs an explicit --port/);
    });
  });
});
