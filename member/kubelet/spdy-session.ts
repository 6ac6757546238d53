/**
 * The server side of an SPDY/3.1 session, as far as Kubernetes port forwarding uses it (the
 * client is moby/spdystream): SYN_STREAM in, SYN_REPLY, DATA (FIN = half close), RST_STREAM,
 * PING echoed, GOAWAY; no flow control (spdystream has none). Header blocks are zlib-compressed
 * with the SPDY/3 dictionary, one zlib stream per direction for the session: the client's is
 * inflated from its whole history (header blocks are few and small), ours is written as stored
 * deflate blocks, which any inflater reads.
 */
import { constants as zlibConstants, inflateSync } from 'node:zlib';

const CONTROL = 0x80;
const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
/** Frame flag: the sender's half of the stream is done. */
export const FLAG_FIN = 0x01;
/** RST_STREAM status: the stream is refused / cancelled. */
export const RST_REFUSED = 3;
export const RST_CANCEL = 5;
const HEADER_BYTES = 8;
/** An empty, non-final stored deflate block: where Z_SYNC_FLUSH output ends. */
const SYNC_FLUSH_MARK = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
/** Data frames are cut to this size. */
const MAX_DATA = 32 * 1024;

/** The length-prefixed words, then the raw tail, of the SPDY/3 header dictionary. */
const DICTIONARY_WORDS =
  'options head post put delete trace accept accept-charset accept-encoding accept-language ' +
  'accept-ranges age allow authorization cache-control connection content-base content-encoding ' +
  'content-language content-length content-location content-md5 content-range content-type date ' +
  'etag expect expires from host if-match if-modified-since if-none-match if-range ' +
  'if-unmodified-since last-modified location max-forwards pragma proxy-authenticate ' +
  'proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade ' +
  'user-agent vary via warning www-authenticate method get status 200_OK version HTTP/1.1 url ' +
  'public set-cookie keep-alive origin';
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 ' +
  'Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 ' +
  'Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, ' +
  'Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,' +
  'application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdch' +
  'charset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

function lengthPrefixed(word: string): Buffer {
  const b = Buffer.alloc(4 + word.length);
  b.writeUInt32BE(word.length, 0);
  b.write(word, 4, 'latin1');
  return b;
}

/** The SPDY/3 zlib dictionary for header blocks. */
export const SPDY_DICTIONARY = Buffer.concat([
  ...DICTIONARY_WORDS.split(' ').map((w) => lengthPrefixed(w.replace('_', ' '))),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Headers of a stream: lower-case names, values as sent (several joined with NUL). */
export type SpdyHeaders = Record<string, string>;

/** What the session tells its owner. */
export interface SpdyHandler {
  /** A new stream from the client (already replied to). */
  onStream(id: number, headers: SpdyHeaders, fin: boolean): void;
  onData(id: number, data: Buffer, fin: boolean): void;
  /** The client reset the stream. */
  onReset(id: number): void;
  /** A frame could not be read: the session is unusable. */
  onError(err: Error): void;
}

function decodeHeaders(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let off = 0;
  const word = (): string => {
    const n = block.readUInt32BE(off);
    const s = block.subarray(off + 4, off + 4 + n).toString('utf8');
    off += 4 + n;
    return s;
  };
  const count = block.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    const name = word().toLowerCase();
    headers[name] = word();
  }
  return headers;
}

function encodeHeaders(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length, 0);
  const parts: Buffer[] = [count];
  for (const [k, v] of entries) {
    parts.push(lengthPrefixed(k.toLowerCase()), lengthPrefixed(v));
  }
  return Buffer.concat(parts);
}

/** An SPDY/3.1 server session over a byte stream; `send` writes bytes to the client. */
export class SpdyServerSession {
  private readonly send: (bytes: Buffer) => void;
  private readonly handler: SpdyHandler;
  private pending: Buffer = Buffer.alloc(0);
  /** Every compressed header byte the client sent, and how much of its inflation was read. */
  private compressedIn: Buffer = Buffer.alloc(0);
  private inflatedUsed = 0;
  private deflateStarted = false;
  private failed = false;

  constructor(send: (bytes: Buffer) => void, handler: SpdyHandler) {
    this.send = send;
    this.handler = handler;
  }

  /** Bytes from the client: every complete frame in them is handled, in order. */
  receive(chunk: Buffer): void {
    if (this.failed) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < HEADER_BYTES + length) return;
      const frame = this.pending.subarray(0, HEADER_BYTES + length);
      this.pending = this.pending.subarray(HEADER_BYTES + length);
      try {
        this.frame(frame);
      } catch (err) {
        this.failed = true;
        this.handler.onError(err instanceof Error ? err : new Error(String(err)));
        return;
      }
    }
  }

  private frame(f: Buffer): void {
    const flags = f.readUInt8(4);
    const body = f.subarray(HEADER_BYTES);
    if ((f.readUInt8(0) & CONTROL) === 0) {
      this.handler.onData(f.readUInt32BE(0) & 0x7fffffff, body, (flags & FLAG_FIN) !== 0);
      return;
    }
    const type = f.readUInt16BE(2);
    switch (type) {
      case SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaders(this.inflate(body.subarray(10)));
        this.reply(id);
        this.handler.onStream(id, headers, (flags & FLAG_FIN) !== 0);
        break;
      }
      case RST_STREAM:
        this.handler.onReset(body.readUInt32BE(0) & 0x7fffffff);
        break;
      case PING:
        this.control(PING, 0, body);
        break;
      case GOAWAY:
      default:
        // SETTINGS, WINDOW_UPDATE (no flow control), HEADERS, GOAWAY: nothing to do
        break;
    }
  }

  /** The next header block of the client's zlib stream. */
  private inflate(block: Buffer): Buffer {
    this.compressedIn = Buffer.concat([this.compressedIn, block]);
    const all = inflateSync(this.compressedIn, {
      dictionary: SPDY_DICTIONARY,
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
    const out = all.subarray(this.inflatedUsed);
    this.inflatedUsed = all.length;
    return out;
  }

  /** Our next header block: the zlib header once, then a stored deflate block and a flush mark. */
  private deflate(raw: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.deflateStarted) {
      this.deflateStarted = true;
      // CMF 0x78 (deflate, 32K window), FLG 0x20 (FDICT; 0x7820 % 31 === 0), then DICTID
      const head = Buffer.from([0x78, 0x20, 0, 0, 0, 0]);
      head.writeUInt32BE(adler32(SPDY_DICTIONARY), 2);
      parts.push(head);
    }
    const stored = Buffer.alloc(5);
    stored.writeUInt8(0, 0);
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    // then an empty stored block, as zlib's Z_SYNC_FLUSH ends: inflaters (Go's flate) hand out
    // the block's data there instead of reading on for the next block
    parts.push(stored, raw, SYNC_FLUSH_MARK);
    return Buffer.concat(parts);
  }

  private control(type: number, flags: number, body: Buffer): void {
    const head = Buffer.alloc(HEADER_BYTES);
    head.writeUInt16BE((CONTROL << 8) | VERSION, 0);
    head.writeUInt16BE(type, 2);
    head.writeUInt32BE((((flags & 0xff) << 24) | body.length) >>> 0, 4);
    this.send(Buffer.concat([head, body]));
  }

  private reply(id: number): void {
    const sid = Buffer.alloc(4);
    sid.writeUInt32BE(id & 0x7fffffff, 0);
    this.control(SYN_REPLY, 0, Buffer.concat([sid, this.deflate(encodeHeaders({}))]));
  }

  /** Sends data on a stream (cut into frames); `fin` closes our half. */
  data(id: number, payload: Buffer, fin = false): void {
    let off = 0;
    do {
      const part = payload.subarray(off, off + MAX_DATA);
      off += part.length;
      const last = off >= payload.length;
      const head = Buffer.alloc(HEADER_BYTES);
      head.writeUInt32BE(id & 0x7fffffff, 0);
      head.writeUInt32BE((((fin && last ? FLAG_FIN : 0) << 24) | part.length) >>> 0, 4);
      this.send(Buffer.concat([head, part]));
    } while (off < payload.length);
  }

  /** Resets a stream. */
  reset(id: number, status = RST_CANCEL): void {
    const body = Buffer.alloc(8);
    body.writeUInt32BE(id & 0x7fffffff, 0);
    body.writeUInt32BE(status, 4);
    this.control(RST_STREAM, 0, body);
  }
}
