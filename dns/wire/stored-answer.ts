import { appendOpt, optRecord } from './edns.js';
import { scanResponse, type Query, type ResponseInfo, type Rotation } from './dns-wire.js';

/**
 * A reply kept for replay: its bytes plus every offset a replay patches, so answering a repeat
 * costs one copy and a few in-place writes (never a re-encoding).
 */
export interface StoredAnswer {
  bytes: Buffer;
  /** Offsets of the TTL fields (lowered by the entry's age). */
  ttlOffsets: number[];
  /** Owner names equal to the question, as `[offset, length, ...]` (see {@link ResponseInfo}). */
  ownerPatches: number[];
  /** The A records a replay rotates (round robin), if any. */
  rotation: Rotation | undefined;
  /** Offset just past the stored question; a replay copies the asker's question up to here. */
  questionEnd: number;
}

/**
 * Turns a reply to `q` into what the resolver sends and stores: the upstream's OPT record (if it
 * is the last record, as servers write it) is replaced by ours, since EDNS is hop-by-hop (RFC 6891
 * §7: payload size, DO and no upstream cookies), keeping its extended rcode; a client without
 * EDNS gets none. An OPT in the middle of the additional section is left alone, because records
 * after it may point into each other and cannot move.
 * @throws WireError when `resp` is malformed.
 */
export function prepareAnswer(
  resp: Buffer,
  q: Query,
): { answer: StoredAnswer; info: ResponseInfo } {
  let info = scanResponse(resp);
  let bytes = resp;
  const opt = info.opt;
  const optLast = opt?.end === resp.length;
  if (opt && optLast) {
    bytes = Buffer.from(resp.subarray(0, opt.start));
    bytes.writeUInt16BE(bytes.readUInt16BE(10) - 1, 10);
  }
  if (q.edns && (!opt || optLast)) {
    const extendedRcode = opt ? opt.ttl >>> 24 : 0;
    bytes = appendOpt(bytes, optRecord({ dnssecOk: q.dnssecOk, extendedRcode }));
  }
  if (bytes !== resp) info = scanResponse(bytes);
  return {
    info,
    answer: {
      bytes,
      ttlOffsets: info.ttlOffsets,
      ownerPatches: info.ownerPatches,
      rotation: info.rotation,
      questionEnd: q.questionEnd,
    },
  };
}

/**
 * The stored answer as a reply to `query`, whose question ends at `questionEnd` (the header is
 * read from the bytes, so a scanned query needs no parse): its ID and RD bit, its question (so
 * each asker gets its own letter case back, which 0x20-checking forwarders verify), its case on
 * owner names equal to the question, TTLs lowered by `elapsedSeconds`, and the A records rotated
 * by `turn`. One copy of the stored bytes and a few in-place writes.
 */
export function replayAnswer(
  a: StoredAnswer,
  query: Buffer,
  questionEnd: number,
  elapsedSeconds: number,
  turn: number,
): Buffer {
  const src = a.bytes;
  const out = Buffer.allocUnsafe(src.length);
  const r = a.rotation;
  const k = r ? turn % r.count : 0;
  if (r && k !== 0) {
    const end = r.start + r.size * r.count;
    const cut = r.start + r.size * k;
    src.copy(out, 0, 0, r.start);
    src.copy(out, r.start, cut, end);
    src.copy(out, r.start + end - cut, r.start, cut);
    src.copy(out, end, end);
  } else out.set(src, 0);
  out[0] = query[0] ?? 0;
  out[1] = query[1] ?? 0;
  out[2] = ((out[2] ?? 0) & 0xfe) | ((query[2] ?? 0) & 0x01);
  // a query whose question is compressed (hostile or odd) has other lengths: keep stored case
  if (questionEnd === a.questionEnd) {
    // byte loops: a question is tens of bytes, below what a native copy call is worth
    for (let i = 12; i < questionEnd; i++) out[i] = query[i] ?? 0;
    const p = a.ownerPatches;
    for (let k = 0; k + 1 < p.length; k += 2) {
      const at = (p[k] ?? 0) - 12;
      const n = p[k + 1] ?? 0;
      for (let i = 12; i < 12 + n; i++) out[at + i] = query[i] ?? 0;
    }
  }
  if (elapsedSeconds > 0) {
    for (const o of a.ttlOffsets) {
      out.writeUInt32BE(Math.max(0, out.readUInt32BE(o) - elapsedSeconds), o);
    }
  }
  return out;
}
