/**
 * The protobuf wire format, as far as Kubernetes objects use it: varints (wire type 0) and
 * length-delimited fields (wire type 2); fixed 64/32-bit fields (1, 5) are skipped, since no
 * Kubernetes kind a client posts carries one. Malformed input is a client error (400), never a 500.
 */
import { BadRequestError } from '../../errors/index.js';

/** One field of a message: its number and either a varint or the bytes of a length-delimited value. */
export interface WireField {
  no: number;
  wire: number;
  varint?: bigint;
  bytes?: Buffer;
}

function malformed(what: string): BadRequestError {
  return new BadRequestError(`the protobuf request body is malformed (${what})`);
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  // at most 10 bytes: anything longer is not a 64-bit varint
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i] ?? 0;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, i + 1];
    shift += 7n;
  }
  throw malformed('varint');
}

/** Splits a message into its fields, in wire order. @throws BadRequestError on malformed bytes. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, next] = readVarint(buf, pos);
    pos = next;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) throw malformed('field number 0');
    if (wire === 0) {
      const [v, p] = readVarint(buf, pos);
      out.push({ no, wire, varint: v });
      pos = p;
    } else if (wire === 2) {
      const [len, p] = readVarint(buf, pos);
      const end = p + Number(len);
      if (end > buf.length) throw malformed('length past the end');
      out.push({ no, wire, bytes: buf.subarray(p, end) });
      pos = end;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > buf.length) throw malformed('fixed field past the end');
    } else {
      throw malformed(`wire type ${String(wire)}`);
    }
  }
  return out;
}
