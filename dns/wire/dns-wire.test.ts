import { describe, expect, it } from 'vitest';
import {
  answersQuestion,
  parseQuery,
  readName,
  reuseAnswer,
  scanResponse,
  truncate,
} from './dns-wire.js';
import { WireError } from './wire-error.js';

function query(name: string, type = 1, opt = false): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const q = Buffer.concat([
    Buffer.from([0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, opt ? 1 : 0]),
    ...labels,
    Buffer.from([0, 0, type, 0, 1]),
  ]);
  return opt ? Buffer.concat([q, Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0])]) : q;
}

describe('dns wire', () => {
  it('parses a query with EDNS0 size', () => {
    const q = parseQuery(query('Web.Default.svc.cluster.local', 1, true));
    expect(q).toMatchObject({
      id: 0xabcd,
      name: 'web.default.svc.cluster.local',
      type: 1,
      cls: 1,
      udpSize: 4096,
      edns: true,
      dnssecOk: false,
    });
    expect(parseQuery(query('a.b'))).toMatchObject({ edns: false, dnssecOk: false });
    const withDo = query('a.b', 1, true);
    withDo.writeUInt16BE(0x8000, withDo.length - 4);
    expect(parseQuery(withDo)).toMatchObject({ edns: true, dnssecOk: true });
  });

  it('matches a response to its question (case-insensitively), and nothing else', () => {
    const q = parseQuery(query('Web.Default.svc', 1));
    const resp = query('wEB.dEFAULT.SVC', 1);
    resp.writeUInt16BE(0x8180, 2);
    expect(answersQuestion(resp, q)).toBe(true);
    expect(answersQuestion(query('other.default.svc', 1), q)).toBe(false);
    expect(answersQuestion(query('web.default.svc', 28), q)).toBe(false);
    expect(answersQuestion(resp.subarray(0, 14), q)).toBe(false);
    const noQuestion = Buffer.from(resp);
    noQuestion.writeUInt16BE(0, 4);
    expect(answersQuestion(noQuestion, q)).toBe(false);
  });

  it('rejects compression loops and names running off the end', () => {
    expect(() => readName(Buffer.from([0xc0, 0x00]), 0)).toThrow(WireError);
    expect(() => readName(Buffer.from([5, 0x61]), 0)).toThrow(WireError);
  });

  it('never throws anything but WireError on random input (fuzz)', () => {
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(Math.random() * 80);
      const buf = Buffer.from(Array.from({ length: len }, () => Math.floor(Math.random() * 256)));
      for (const f of [parseQuery, scanResponse]) {
        try {
          f(buf);
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
        }
      }
    }
  });

  it('patches id and TTLs, and truncates to the question', () => {
    const q = query('a.b', 1);
    const answer = Buffer.concat([
      q.subarray(0, 12),
      q.subarray(12),
      Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 127, 0, 0, 1]),
    ]);
    answer.writeUInt16BE(0x8180, 2);
    answer.writeUInt16BE(1, 6);
    const info = scanResponse(answer);
    expect(info.minAnswerTtl).toBe(30);
    const reused = reuseAnswer(answer, 7, info.ttlOffsets, 10);
    expect(reused.readUInt16BE(0)).toBe(7);
    expect(reused.readUInt32BE(info.ttlOffsets[0] ?? 0)).toBe(20);
    const t = truncate(answer, parseQuery(q));
    expect(t.readUInt16BE(2) & 0x0200).toBe(0x0200);
    expect(t.readUInt16BE(6)).toBe(0);
  });
});
