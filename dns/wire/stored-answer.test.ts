import { describe, expect, it } from 'vitest';
import { errorResponse, parseQuery, RCODE, readName } from './dns-wire.js';
import { prepareAnswer, replayAnswer } from './stored-answer.js';

/** A query for `name` (type A); `edns` adds an OPT record with `version`. */
function query(name: string, id: number, edns?: { version: number }): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const q = Buffer.concat([
    Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
  if (!edns) return q;
  return Buffer.concat([q, Buffer.from([0, 0, 41, 0x10, 0, 0, edns.version, 0, 0, 0, 0])]);
}

/** A reply to `q` with one A record per address (owners compressed to the question). */
function reply(q: Buffer, addrs: number[]): Buffer {
  const p = parseQuery(q);
  const head = Buffer.from(q.subarray(0, p.questionEnd));
  head.writeUInt16BE(0x8580, 2);
  head.writeUInt16BE(addrs.length, 6);
  head.writeUInt16BE(0, 10);
  const rrs = addrs.map((a) => Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, a]));
  return Buffer.concat([head, ...rrs]);
}

const lastOctets = (b: Buffer, start: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => b[start + 16 * i + 15] ?? 0);

describe('stored answers', () => {
  it("replays with the asker's ID and letter case, and rotates A records", () => {
    const first = query('web.default.svc', 1, { version: 0 });
    const { answer, info } = prepareAnswer(reply(first, [1, 2, 3]), parseQuery(first));
    // the OPT record was added (the query had EDNS)
    expect(info.opt).toBeDefined();
    expect(answer.rotation).toMatchObject({ count: 3, size: 16 });
    const asked = query('WeB.DEFAULT.svc', 9, { version: 0 });
    const start = answer.rotation?.start ?? 0;
    const out = [0, 1, 2].map((turn) =>
      replayAnswer(answer, asked, parseQuery(asked).questionEnd, 0, turn),
    );
    expect(out.map((b) => lastOctets(b, start, 3))).toEqual([
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
    ]);
    for (const b of out) {
      expect(b.readUInt16BE(0)).toBe(9);
      expect(b.toString('latin1', 13, 16)).toBe('WeB');
      expect(readName(b, 12).name).toBe('web.default.svc');
    }
  });

  it('error replies echo the opcode and carry OPT with BADVERS high bits', () => {
    const q = query('a.b', 7, { version: 1 });
    q.writeUInt16BE(0x1100, 2); // opcode 2 (STATUS), RD
    const r = errorResponse(q, RCODE.BADVERS, parseQuery(q));
    expect((r.readUInt16BE(2) >> 11) & 0x0f).toBe(2);
    expect(r.readUInt16BE(2) & 0x0f).toBe(0);
    expect(r.readUInt16BE(10)).toBe(1);
    expect(r[r.length - 6]).toBe(1); // extended rcode 16 >> 4
  });
});
