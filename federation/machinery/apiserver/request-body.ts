import type { IncomingMessage } from 'node:http';
import { load } from 'js-yaml';
import type { TooManyRequestsError } from '../errors/index.js';
import { BadRequestError, UnsupportedMediaTypeError } from '../errors/index.js';

/** Largest accepted request body (like kube-apiserver's 3 MiB object limit, with headroom). */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** Reads the raw body of a request. @throws TooManyRequestsError... never; BadRequestError when too large. */
export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      throw new BadRequestError(`request body too large (> ${String(MAX_BODY_BYTES)} bytes)`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON (or, for apply patches, YAML) request body. @throws BadRequestError on malformed input. */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('protobuf') || ct.includes('cbor')) {
    // client-go (kubectl >= 1.32) retries with JSON after a 415.
    throw new UnsupportedMediaTypeError(
      `the body of the request was in an unsupported format: ${ct}; use application/json`,
    );
  }
  if (raw.trim() === '') throw new BadRequestError('the request body is empty');
  const yaml = (contentType ?? '').includes('yaml');
  try {
    return yaml ? load(raw) : JSON.parse(raw);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new BadRequestError(`the request body is not valid ${yaml ? 'YAML' : 'JSON'}: ${msg}`);
  }
}

/** Keeps TooManyRequestsError referenced for callers that rate-limit bodies. */
export type { TooManyRequestsError };
