/**
 * Byte-level question keys, shared by the two DNS fast paths (the cluster DNS `AnswerTable` and
 * the resolver's `AnswerCache`): a bounded scan of a plain query that hashes its question name
 * (ASCII letters folded, RFC 4343) and type without building a string, and the case-insensitive
 * byte comparisons that confirm a hash hit or a reply's question.
 */

/** Class IN (RFC 1035 §3.2.4). */
const CLASS_IN = 1;
/** The OPT pseudo-record type (RFC 6891). */
const TYPE_OPT = 41;
/** FNV-1a (32 bits): hashes the question name and type without building a string. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * What {@link scanPlainQuery} (or {@link scanQuestion}) learnt about the last query it accepted.
 * Each fast path reuses one object for every query, so a lookup allocates nothing.
 */
export interface QuestionScan {
  /** FNV-1a of the lower-cased wire name (length octets included) and the type. */
  hash: number;
  type: number;
  cls: number;
  /** Offset of the question name's root label. */
  nameEnd: number;
  /** Offset just past the question. */
  questionEnd: number;
  /** The query ends in an OPT record of version 0 (set by {@link scanPlainQuery} only). */
  edns: boolean;
  dnssecOk: boolean;
}

/** A scan result to reuse. */
export function newQuestionScan(): QuestionScan {
  return { hash: 0, type: 0, cls: 0, nameEnd: 0, questionEnd: 0, edns: false, dnssecOk: false };
}

/** Which label bytes a scan accepts. */
export type NameBytes =
  /** a-z, A-Z, 0-9, '-' and '_' only (what the cluster DNS answers from its table). */
  | 'hostname'
  /** any octet (what a resolver forwards); only A-Z fold to a-z. */
  | 'any';

/** a-z, 0-9, '-' or '_'. */
function isHostnameByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/** A byte with A-Z folded to a-z (RFC 4343: ASCII case only). */
export function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/**
 * Hashes the question that starts at offset 12: an uncompressed name, type and class. On true,
 * `s` holds hash, type, class and offsets (its EDNS fields are left alone). False for a
 * compressed or over-long name, a byte `nameBytes` excludes, or a question running off the end.
 * Never throws; reads only inside `query`.
 */
export function scanQuestion(query: Buffer, s: QuestionScan, nameBytes: NameBytes): boolean {
  const len = query.length;
  const any = nameBytes === 'any';
  let off = 12;
  let h = FNV_OFFSET;
  for (;;) {
    const l = query[off] ?? 0xff;
    if (l === 0) break;
    if (l > 63 || off + 1 + l >= len) return false;
    h = Math.imul(h ^ l, FNV_PRIME);
    for (let i = off + 1; i <= off + l; i++) {
      let c = query[i] ?? 0;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      else if (!any && !isHostnameByte(c)) return false;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    off += 1 + l;
    // 255 octets at most, root label included (RFC 1035 §3.1)
    if (off - 12 > 254) return false;
  }
  const questionEnd = off + 5;
  if (questionEnd > len) return false;
  const type = query.readUInt16BE(off + 1);
  s.hash = Math.imul(Math.imul(h ^ (type >> 8), FNV_PRIME) ^ (type & 0xff), FNV_PRIME);
  s.type = type;
  s.cls = query.readUInt16BE(off + 3);
  s.nameEnd = off;
  s.questionEnd = questionEnd;
  return true;
}

/**
 * Checks whether `query` is a plain query a fast path may answer without parsing it: QR 0,
 * opcode QUERY, one question of class IN (see {@link scanQuestion}), no answer or authority
 * records, and nothing or one OPT record of version 0 that ends the message. On true, `s`
 * describes it. Never throws; reads only inside `query`.
 */
export function scanPlainQuery(query: Buffer, s: QuestionScan, nameBytes: NameBytes): boolean {
  const len = query.length;
  // QR 0, opcode QUERY; QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1
  if (len < 17 || (query[2] ?? 0xff) & 0xf8) return false;
  if (query[4] !== 0 || query[5] !== 1 || query[6] !== 0 || query[7] !== 0) return false;
  if (query[8] !== 0 || query[9] !== 0 || query[10] !== 0) return false;
  const ar = query[11] ?? 0xff;
  if (ar > 1) return false;
  if (!scanQuestion(query, s, nameBytes) || s.cls !== CLASS_IN) return false;
  const qEnd = s.questionEnd;
  s.edns = false;
  s.dnssecOk = false;
  if (ar === 0) return qEnd === len;
  // the OPT record: root owner, type 41, version 0, and it ends the message
  if (qEnd + 11 > len || query[qEnd] !== 0) return false;
  if (query.readUInt16BE(qEnd + 1) !== TYPE_OPT || query[qEnd + 6] !== 0) return false;
  if (qEnd + 11 + query.readUInt16BE(qEnd + 9) !== len) return false;
  s.edns = true;
  s.dnssecOk = ((query[qEnd + 7] ?? 0) & 0x80) !== 0;
  return true;
}

/** Whether the question name at offset 12 of `query` is `name` (lower-cased wire form). */
export function sameName(query: Buffer, nameEnd: number, name: Buffer): boolean {
  const n = nameEnd - 12;
  if (name.length !== n) return false;
  for (let i = 0; i < n; i++) {
    if (lowerAscii(query[12 + i] ?? 0) !== name[i]) return false;
  }
  return true;
}

/** The question name at offset 12 of `query` in lower-cased wire form, root label excluded. */
export function lowerName(query: Buffer, nameEnd: number): Buffer {
  const name = Buffer.from(query.subarray(12, nameEnd));
  for (let i = 0; i < name.length; i++) name[i] = lowerAscii(name[i] ?? 0);
  return name;
}

/**
 * Whether bytes 12..`end` of `a` and `b` (the question section) are equal, ASCII letter case
 * aside: a reply repeats its query's question, possibly in another case (0x20 randomisation).
 */
export function sameQuestion(a: Buffer, b: Buffer, end: number): boolean {
  if (a.length < end || b.length < end) return false;
  for (let i = 12; i < end; i++) {
    if (lowerAscii(a[i] ?? 0) !== lowerAscii(b[i] ?? 0)) return false;
  }
  return true;
}
