import type { Context } from 'koa';
import { BadRequestError, RequestEntityTooLargeError } from '../errors/index.js';
import { MAX_BODY_BYTES, parseBody, readRawBody } from './request-body.js';
import type { SubresourceHandler } from './subresource-handler.js';

/**
 * `kubectl create token` sends its TokenRequest as protobuf (typed clients do) and does not retry
 * with JSON, so the TokenRequest subresource reads that one message. Only the fields a
 * TokenRequest spec has are decoded (authentication/v1 generated.proto numbering); everything
 * else is skipped.
 */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

interface Field {
  no: number;
  wire: number;
  value: bigint | Buffer;
}

function varint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length && shift < 70n; i++) {
    const b = buf[i] ?? 0;
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return [result, i + 1];
  }
  throw new BadRequestError('malformed protobuf body (varint)');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, next] = varint(buf, pos);
    pos = next;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, p] = varint(buf, pos);
      out.push({ no, wire, value: v });
      pos = p;
    } else if (wire === 2) {
      const [len, p] = varint(buf, pos);
      const end = p + Number(len);
      if (end > buf.length) throw new BadRequestError('malformed protobuf body (length)');
      out.push({ no, wire, value: buf.subarray(p, end) });
      pos = end;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else {
      throw new BadRequestError(`malformed protobuf body (wire type ${String(wire)})`);
    }
  }
  return out;
}

const bytesOf = (fs: Field[], no: number): Buffer[] =>
  fs.filter((f) => f.no === no && f.wire === 2).map((f) => f.value as Buffer);
const stringOf = (fs: Field[], no: number): string | undefined =>
  bytesOf(fs, no)[0]?.toString('utf8');

/** Decodes a protobuf-encoded authentication.k8s.io/v1 TokenRequest to its JSON form. */
export function decodeTokenRequest(body: Buffer): unknown {
  if (!body.subarray(0, 4).equals(MAGIC)) {
    throw new BadRequestError('protobuf body without the Kubernetes envelope');
  }
  const unknown = fields(body.subarray(4));
  const raw = bytesOf(unknown, 2)[0] ?? Buffer.alloc(0);
  const spec = fields(bytesOf(fields(raw), 2)[0] ?? Buffer.alloc(0));
  const exp = spec.find((f) => f.no === 4 && f.wire === 0)?.value as bigint | undefined;
  const bound = bytesOf(spec, 3)[0];
  const ref = bound ? fields(bound) : undefined;
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      audiences: bytesOf(spec, 1).map((b) => b.toString('utf8')),
      ...(exp !== undefined ? { expirationSeconds: Number(exp) } : {}),
      ...(ref
        ? {
            boundObjectRef: {
              kind: stringOf(ref, 1),
              apiVersion: stringOf(ref, 2),
              name: stringOf(ref, 3),
              uid: stringOf(ref, 4),
            },
          }
        : {}),
    },
  };
}

/** Handlers that also take one protobuf message, with its decoder. */
const decoders = new WeakMap<SubresourceHandler, (body: Buffer) => unknown>();

/** Marks a subresource handler as accepting protobuf bodies, decoded by `decode`. */
export function acceptProtobuf(
  handler: SubresourceHandler,
  decode: (body: Buffer) => unknown,
): SubresourceHandler {
  decoders.set(handler, decode);
  return handler;
}

async function readBuffer(ctx: Context): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    const chunk = c as Buffer;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new RequestEntityTooLargeError(
        `the request body is too large: the limit is ${String(MAX_BODY_BYTES)} bytes`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The parsed body of a subresource request: JSON/YAML as for every resource, or protobuf for a
 * handler registered with {@link acceptProtobuf}. Undefined for an empty body.
 */
export async function subresourceBody(ctx: Context, handler: SubresourceHandler): Promise<unknown> {
  const type = ctx.get('content-type').toLowerCase();
  const decode = decoders.get(handler);
  if (decode && type.includes('protobuf')) {
    const buf = await readBuffer(ctx);
    return buf.length === 0 ? undefined : decode(buf);
  }
  const raw = ctx.method === 'GET' ? '' : await readRawBody(ctx.req);
  return raw.trim() === '' ? undefined : parseBody(raw, ctx.get('content-type'));
}
