import { describe, expect, it } from 'vitest';
import { parseQuery, RCODE } from '../wire/dns-wire.js';
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

function answerFor(q: Buffer, ttl: number): Buffer {
  const a = Buffer.concat([
    q,
    Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, ttl, 0, 4, 10, 0, 0, 1]),
  ]);
  a.writeUInt16BE(0x8180, 2);
  a.writeUInt16BE(1, 6);
  return a;
}

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
    expect(((await r.handle(crafted[6]!, '127.0.0.1'))?.readUInt16BE(2) ?? 0) & 0x0f).toBe(
      RCODE.FORMERR,
    );
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
    const out = await r.handle(query('example.org'), '127.0.0.1');
    expect((out?.readUInt16BE(2) ?? 0) & 0x0f).toBe(RCODE.REFUSED);
  });

  it('answers cache hits by patching ID and decrementing TTLs', async () => {
    let now = 1_000_000;
    const r = new Resolver({ routes: new RouteTable(), cache: { now: () => now } });
    const q = query('web.default.svc.a.local', 1);
    r.cache.set(Resolver.cacheKey(parseQuery(q)), answerFor(q, 30), [q.length + 6], 30);
    now += 12_000;
    const out = await r.handle(query('WEB.default.svc.a.local', 0xbeef), '127.0.0.1');
    expect(out?.readUInt16BE(0)).toBe(0xbeef);
    expect(out?.readUInt32BE(q.length + 6)).toBe(18);
    now += 20_000;
    const expired = await r.handle(query('web.default.svc.a.local', 2), '127.0.0.1');
    expect((expired?.readUInt16BE(2) ?? 0) & 0x0f).toBe(RCODE.REFUSED);
  });

  it('keys the cache on EDNS presence and the DO bit', async () => {
    const r = new Resolver({ routes: new RouteTable() });
    const plain = query('web.default.svc.a.local', 1);
    const keys = new Set(
      [
        plain,
        query('web.default.svc.a.local', 1, 'edns'),
        query('web.default.svc.a.local', 1, 'do'),
      ].map((b) => Resolver.cacheKey(parseQuery(b))),
    );
    expect(keys.size).toBe(3);
    r.cache.set(Resolver.cacheKey(parseQuery(plain)), answerFor(plain, 30), [], 30);
    const hit = await r.handle(query('web.default.svc.a.local', 2), '127.0.0.1');
    expect((hit?.readUInt16BE(2) ?? 0) & 0x0f).toBe(RCODE.NOERROR);
    // an EDNS client misses the plain entry (and gets REFUSED here: no route, no upstream)
    const edns = await r.handle(query('web.default.svc.a.local', 3, 'do'), '127.0.0.1');
    expect((edns?.readUInt16BE(2) ?? 0) & 0x0f).toBe(RCODE.REFUSED);
  });
});
