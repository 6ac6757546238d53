/**
 * EDNS0 (RFC 6891) pieces both DNS servers put into replies: the OPT pseudo-record, the
 * extended rcode it carries, and Extended DNS Error options (RFC 8914).
 */

/**
 * The UDP payload size both servers advertise and the largest UDP answer they send, whatever a
 * client offers: 1232 bytes fits the IPv6 minimum MTU without fragmentation (DNS Flag Day 2020).
 */
export const EDNS_UDP_SIZE = 1232;

/** OPT option code of an Extended DNS Error (RFC 8914 §2). */
const EDE_OPTION = 15;

/** Extended DNS Error INFO-CODEs used here (RFC 8914 §4). */
export const EDE = {
  /** The server is not authoritative for the name and does not recurse for it. */
  PROHIBITED: 18,
  NOT_AUTHORITATIVE: 20,
  NOT_SUPPORTED: 21,
} as const;

/** Options for {@link optRecord}. */
export interface OptRecordOptions {
  /** Mirrors the query's DO bit (RFC 3225 §3). */
  dnssecOk: boolean;
  /** The high 8 bits of a 12-bit rcode (e.g. 1 for BADVERS = 16). @defaultValue 0 */
  extendedRcode?: number;
  /** An Extended DNS Error to attach (RFC 8914). */
  ede?: { code: number; text?: string };
}

/**
 * An OPT record as it goes into a reply: root owner, our payload size, version 0, the query's DO
 * bit, and no options except an optional Extended DNS Error. Never echoes a client's options
 * (cookies are not implemented, RFC 7873 §5.2.1 lets a server ignore them).
 */
export function optRecord(opts: OptRecordOptions): Buffer {
  const text = opts.ede?.text ? Buffer.from(opts.ede.text, 'utf8') : undefined;
  const optionLength = opts.ede ? 4 + 2 + (text?.length ?? 0) : 0;
  const out = Buffer.alloc(11 + optionLength);
  // out[0] = 0: the root name
  out.writeUInt16BE(41, 1);
  out.writeUInt16BE(EDNS_UDP_SIZE, 3);
  out[5] = (opts.extendedRcode ?? 0) & 0xff;
  out[6] = 0; // version 0
  out.writeUInt16BE(opts.dnssecOk ? 0x8000 : 0, 7);
  out.writeUInt16BE(optionLength, 9);
  if (opts.ede) {
    out.writeUInt16BE(EDE_OPTION, 11);
    out.writeUInt16BE(2 + (text?.length ?? 0), 13);
    out.writeUInt16BE(opts.ede.code, 15);
    text?.copy(out, 17);
  }
  return out;
}

/** `msg` with `opt` appended to its additional section (ARCOUNT + 1). */
export function appendOpt(msg: Buffer, opt: Buffer): Buffer {
  const out = Buffer.allocUnsafe(msg.length + opt.length);
  msg.copy(out, 0);
  opt.copy(out, msg.length);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}
