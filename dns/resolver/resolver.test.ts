import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { parseQuery, RCODE } from '../wire/dns-wire.js';
import { prepareAnswer } from '../wire/stored-answer.js';
import { cacheKey } from './answer-cache.js';
import { Resolver } from './resolver.js';
import { RouteTable } from './route-table.js';

/** A query for an A record; `edns` adds an OPT record (with DO set when `'do'`). */
function query(name: string, id = 0x1234, edns?: 'edns' | 'do'): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const q = Buffer.concat([
    Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
  if (!edns) return q;
  const opt = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, edns === 'do' ? 0x80 : 0, 0, 0, 0]);
  return Buffer.concat([q, opt]);
}

/**
 * A reply to `q` (no OPT) with `n` A records of TTL `ttl`; owners compressed to the question, or
 * spelled out in the question's letter case when `literalOwner`.
 */
function answerFor(q: Buffer, ttl: number, n = 1, literalOwner = false): Buffer {
  const p = parseQuery(q);
  const head = Buffer.from(q.subarray(0, p.questionEnd));
  head.writeUInt16BE(0x8180, 2);
  head.writeUInt16BE(n, 6);
  head.writeUInt16BE(0, 10);
  const owner = literalOwner ? q.subarray(12, p.questionEnd - 4) : Buffer.from([0xc0, 12]);
  const rrs = Array.from({ length: n }, (_, i) =>
    Buffer.concat([owner, Buffer.from([0, 1, 0, 1, 0, 0, 0, ttl, 0, 4, 10, 0, i >> 8, i & 0xff])]),
  );
  return Buffer.concat([head, ...rrs]);
}

/** Caches the answer (`answerFor`) to `q` as the resolver would after forwarding it. */
function cache(r: Resolver, q: Buffer, ttl: number, n = 1, literalOwner = false): void {
  const parsed = parseQuery(q);
  const { answer } = prepareAnswer(answerFor(q, ttl, n, literalOwner), parsed);
  const key = cacheKey(q, parsed);
  if (!key) throw new Error('uncacheable test query');
  r.cache.store(key, answer, ttl);
}

const rcode = (b: Buffer | undefined): number => (b?.readUInt16BE(2) ?? 0xffff) & 0x0f;

describe('Resolver.handle (no network)', () => {
  it('never throws on random and crafted bytes; FORMERR for parseable headers', async () => {
    const r = new Resolver({ routes: new RouteTable() });
    const crafted = [
      Buffer.alloc(0),
      Buffer.alloc(11),
      Buffer.alloc(12),
      Buffer.alloc(70_000, 0xc0),
      Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]), // pointer to itself
      Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 0x61]), // label runs off the end
      Buffer.from([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // zero questions
    ];
    for (const p of crafted) {
      const out = await r.handle(p, '127.0.0.1');
      // queries get a response; responses (QR set) and header-less bytes are dropped, never answered (no loops)
      if (p.length >= 12 && (p.readUInt16BE(2) & 0x8000) === 0) {
        expect(out?.readUInt16BE(2) ?? 0).toBeGreaterThanOrEqual(0x8000);
      } else expect(out).toBeUndefined();
    }
    expect(rcode(await r.handle(crafted[6]!, '127.0.0.1'))).toBe(RCODE.FORMERR);
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.from(
        Array.from({ length: Math.floor(Math.random() * 100) }, () =>
          Math.floor(Math.random() * 256),
        ),
      );
      const out = await r.handle(buf, '127.0.0.1');
      expect(out === undefined || (Buffer.isBuffer(out) && out.length >= 12)).toBe(true);
    }
  });

  it('REFUSED when no route or upstream matches', async () => {
    const r = new Resolver({ routes: new RouteTable() });
    expect(rcode(await r.handle(query('example.org'), '127.0.0.1'))).toBe(RCODE.REFUSED);
  });

  it("answers a hit from bytes: the asker's ID, RD and letter case, TTLs counting down", () => {
    let now = 1_000_000;
    const r = new Resolver({ routes: new RouteTable(), cache: { now: () => now } });
    const stored = query('web.default.svc.a.local', 1);
    cache(r, stored, 30, 1, true);
    const ttlAt = stored.length + 'web.default.svc.a.local'.length + 2 + 4;
    const asked = query('WeB.DEFAULT.svc.A.local', 0xbeef);
    asked[2] = 0; // RD clear
    const ttls: number[] = [];
    for (const step of [0, 1000, 11_000, 12_000]) {
      now += step;
      const out = r.handle(asked, '127.0.0.1');
      if (!Buffer.isBuffer(out)) throw new Error('a hit must be answered synchronously');
      expect(out.readUInt16BE(0)).toBe(0xbeef);
      expect(out[2]! & 0x01).toBe(0);
      // the question and the answer's owner, as asked
      expect(out.subarray(12, asked.length)).toEqual(asked.subarray(12));
      expect(out.toString('latin1', asked.length + 1, asked.length + 4)).toBe('WeB');
      ttls.push(out.readUInt32BE(ttlAt));
    }
    expect(ttls).toEqual([30, 29, 18, 6]);
    expect(r.cache.hits).toBe(4);
    now += 6000;
    expect(rcode(r.handle(query('web.default.svc.a.local', 2), '127.0.0.1') as Buffer)).toBe(
      RCODE.REFUSED,
    );
  });

  it('keys the cache on EDNS presence and the DO bit; replays OPT only to EDNS askers', () => {
    const r = new Resolver({ routes: new RouteTable() });
    cache(r, query('web.default.svc.a.local', 1, 'do'), 30);
    const hit = r.handle(query('Web.default.svc.a.local', 2, 'do'), '127.0.0.1') as Buffer;
    expect(rcode(hit)).toBe(RCODE.NOERROR);
    expect(hit.readUInt16BE(10)).toBe(1);
    // the OPT record ends the reply: our payload size, DO echoed
    expect(hit.readUInt16BE(hit.length - 10)).toBe(41);
    expect(hit.readUInt16BE(hit.length - 8)).toBe(1232);
    expect(hit[hit.length - 4]! & 0x80).toBe(0x80);
    // plain and DO-less EDNS askers miss that entry (REFUSED here: no route, no upstream)
    expect(rcode(r.handle(query('web.default.svc.a.local', 3), '127.0.0.1') as Buffer)).toBe(
      RCODE.REFUSED,
    );
    const edns = r.handle(query('web.default.svc.a.local', 4, 'edns'), '127.0.0.1') as Buffer;
    expect(rcode(edns)).toBe(RCODE.REFUSED);
    expect(r.cache.hits).toBe(1);
  });

  it('serves a query the byte scan passes over (an extra record) from the same entry', () => {
    const r = new Resolver({ routes: new RouteTable() });
    cache(r, query('web.default.svc.a.local', 1), 30);
    // an A record in the additional section: not a plain query, parsed, then looked up
    const extra = Buffer.concat([
      query('web.default.svc.a.local', 7),
      Buffer.from([0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4]),
    ]);
    extra.writeUInt16BE(1, 10);
    const out = r.handle(extra, '127.0.0.1') as Buffer;
    expect(rcode(out)).toBe(RCODE.NOERROR);
    expect(out.readUInt16BE(0)).toBe(7);
    expect(r.cache.hits).toBe(1);
  });
});

describe('Resolver over UDP (cache hits)', () => {
  it('truncates a hit larger than the asker’s payload size, and sends it whole to EDNS askers', async () => {
    const r = new Resolver({ routes: new RouteTable() });
    cache(r, query('big.default.svc.a.local', 1), 30, 60);
    cache(r, query('big.default.svc.a.local', 1, 'edns'), 30, 60);
    const { port } = await r.start();
    const sock = createSocket('udp4');
    try {
      const ask = (q: Buffer): Promise<Buffer> =>
        new Promise((resolve) => {
          sock.once('message', resolve);
          sock.send(q, port, '127.0.0.1');
        });
      const small = await ask(query('big.default.svc.a.local', 5));
      expect(small.readUInt16BE(2) & 0x0200).toBe(0x0200);
      expect(small.readUInt16BE(6)).toBe(0);
      expect(small.readUInt16BE(0)).toBe(5);
      const whole = await ask(query('BIG.default.svc.a.local', 6, 'edns'));
      expect(whole.readUInt16BE(2) & 0x0200).toBe(0);
      expect(whole.readUInt16BE(6)).toBe(60);
      expect(whole.readUInt16BE(10)).toBe(1);
      expect(whole.toString('latin1', 13, 16)).toBe('BIG');
    } finally {
      sock.close();
      await r.stop();
    }
  });
});
