import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../machinery/util/free-port.js';
import { parseQuery } from '../wire/dns-wire.js';
import { UpstreamError } from './upstream-error.js';
import { UpstreamSockets, type UpstreamSocketsOptions } from './upstream-sockets.js';
import { rawAQuery } from '../wire/raw-query.js';

/** The query turned into a (record-less) reply, its question in upper case when `shout`. */
function replyTo(q: Buffer, shout = false): Buffer {
  const r = Buffer.from(q);
  r.writeUInt16BE(0x8180, 2);
  if (shout) r.write(r.toString('latin1', 12).toUpperCase(), 12, 'latin1');
  return r;
}

interface Upstream {
  server: string;
  /** Source port and ID of every query received. */
  seen: { port: number; id: number }[];
  stop(): Promise<void>;
}

/** A UDP server on 127.0.0.1: `reply` returns the datagrams to send back for each query. */
async function upstream(reply: (q: Buffer) => Buffer[]): Promise<Upstream> {
  const sock = createSocket('udp4');
  const seen: Upstream['seen'] = [];
  sock.on('message', (msg, rinfo) => {
    seen.push({ port: rinfo.port, id: msg.readUInt16BE(0) });
    for (const m of reply(msg)) sock.send(m, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${String(sock.address().port)}`,
    seen,
    stop: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}

describe('UpstreamSockets', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });
  const pool = (o: Partial<UpstreamSocketsOptions> = {}): UpstreamSockets => {
    const p = new UpstreamSockets({ timeoutMs: 5000, ...o });
    cleanup.push(() => p.close());
    return p;
  };
  const server = async (reply: (q: Buffer) => Buffer[]): Promise<Upstream> => {
    const u = await upstream(reply);
    cleanup.push(() => u.stop());
    return u;
  };
  const ask = (p: UpstreamSockets, s: string, name: string): Promise<Buffer> => {
    const q = rawAQuery(name);
    return p.exchange(s, q, parseQuery(q).questionEnd);
  };

  it('sends many queries over a few long-lived sockets, each with a fresh random ID', async () => {
    const u = await server((q) => [replyTo(q, true)]);
    const p = pool({ socketsPerServer: 3 });
    for (let batch = 0; batch < 6; batch++) {
      const names = Array.from({ length: 50 }, (_, i) => `n${String(batch * 50 + i)}.test`);
      const replies = await Promise.all(names.map((n) => ask(p, u.server, n)));
      replies.forEach((r, i) => {
        expect(parseQuery(Buffer.from(r).fill(0, 2, 4)).name).toBe(names[i]);
      });
    }
    expect(u.seen).toHaveLength(300);
    expect(p.opened).toBeLessThanOrEqual(3);
    expect(new Set(u.seen.map((s) => s.port)).size).toBeLessThanOrEqual(3);
    // every query went out under an ID of ours, not the client's 0x1234
    expect(new Set(u.seen.map((s) => s.id)).size).toBeGreaterThan(250);
    expect(p.pending).toBe(0);
  });

  it('replaces a socket after its query budget and closes the old one once idle', async () => {
    const u = await server((q) => [replyTo(q)]);
    const p = pool({ socketsPerServer: 1, maxQueriesPerSocket: 10 });
    for (let i = 0; i < 50; i++) await ask(p, u.server, `r${String(i)}.test`);
    expect(p.opened).toBe(5);
    expect(new Set(u.seen.map((s) => s.port)).size).toBe(5);
    expect(p.size).toBe(0);
  });

  it('times a lost reply out, leaving nothing in flight, and the socket keeps serving', async () => {
    const u = await server((q) => (parseQuery(q).name.startsWith('lost') ? [] : [replyTo(q)]));
    const p = pool({ timeoutMs: 150, socketsPerServer: 1 });
    const lost = Array.from({ length: 20 }, (_, i) => ask(p, u.server, `lost${String(i)}.test`));
    const results = await Promise.allSettled(lost);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(UpstreamError);
        expect(String(r.reason)).toContain('timeout');
      }
    }
    expect(p.pending).toBe(0);
    expect(parseQuery(Buffer.from(await ask(p, u.server, 'ok.test')).fill(0, 2, 4)).name).toBe(
      'ok.test',
    );
    expect(p.opened).toBe(1);
  });

  it('ignores replies with another question or ID, and keeps waiting for the right one', async () => {
    const u = await server((q) => {
      const wrongId = replyTo(q);
      wrongId.writeUInt16BE((q.readUInt16BE(0) + 1) & 0xffff, 0);
      const wrongName = replyTo(rawAQuery('other.test'));
      wrongName.writeUInt16BE(q.readUInt16BE(0), 0);
      return [wrongId, wrongName, replyTo(q)];
    });
    let mismatched = 0;
    const p = pool({ onMismatch: () => mismatched++ });
    const r = await ask(p, u.server, 'x.test');
    expect(r.readUInt16BE(0)).toBe(u.seen[0]?.id);
    expect(mismatched).toBe(2);
  });

  it('fails at once when the server port is closed (ICMP), then opens a fresh socket', async () => {
    const dead = `127.0.0.1:${String(await freePort())}`;
    const p = pool({ timeoutMs: 60_000, socketsPerServer: 1 });
    await expect(ask(p, dead, 'a.test')).rejects.toThrow(/ECONNREFUSED/);
    await expect(ask(p, dead, 'b.test')).rejects.toThrow(/ECONNREFUSED/);
    expect(p.opened).toBe(2);
    expect(p.size).toBe(0);
    expect(p.pending).toBe(0);
  });

  it('close() fails the queries in flight', async () => {
    const u = await server(() => []);
    const p = pool();
    const pending = ask(p, u.server, 'a.test');
    await new Promise((r) => setTimeout(r, 50));
    p.close();
    await expect(pending).rejects.toThrow(/resolver stopped/);
    expect(p.pending).toBe(0);
    expect(p.size).toBe(0);
  });
});
