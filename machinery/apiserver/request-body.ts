import type { IncomingMessage } from 'node:http';
import { load } from 'js-yaml';
import { decodeKubeProtobuf, isProtobufContentType } from './protobuf/index.js';
import {
  BadRequestError,
  RequestEntityTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors/index.js';

/** Largest accepted request body: kube-apiserver's 3 MiB (`maxRequestBodyBytes`). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

function tooLarge(limit: number): RequestEntityTooLargeError {
  return new RequestEntityTooLargeError(
    `the request body is too large: the limit is ${String(limit)} bytes`,
  );
}

/**
 * Reads the raw body of a request, at most `limit` bytes. A declared Content-Length above the
 * limit is refused before reading anything; a chunked body is refused at the first byte past the
 * limit. Either way the server stops reading (the connection is closed after the 413) so an
 * oversized body never sits in memory.
 * @throws RequestEntityTooLargeError when the body is larger than `limit`.
 */
export async function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return (await readRawBytes(req, limit)).toString('utf8');
}

/** {@link readRawBody} as bytes: protobuf bodies must not go through a UTF-8 decode. */
export async function readRawBytes(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.pause();
    throw tooLarge(limit);
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // stop pulling bytes off the socket; the 413 goes out with Connection: close
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      // the client went away mid-body: its fault, not an internal error worth a stack trace
      reject(new BadRequestError(`the request body was not completely received: ${err.message}`));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Parses a JSON (or, for apply patches, YAML) request body. @throws BadRequestError on malformed input. */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('protobuf') || ct.includes('cbor')) {
    // protobuf goes through readRequestBody (bytes); CBOR is not served, and client-go
    // (kubectl >= 1.32) retries with JSON after a 415.
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

/**
 * Reads and parses a request body: JSON, YAML (apply patches) or Kubernetes protobuf (kubectl's
 * typed commands). Undefined for an empty body when `optional` (subresources that take none).
 * @throws BadRequestError on malformed input; UnsupportedMediaTypeError for other encodings.
 */
export async function readRequestBody(
  req: IncomingMessage,
  contentType: string | undefined,
  optional = false,
): Promise<unknown> {
  return (await readRequestBodyText(req, contentType, optional)).value;
}

/** A parsed request body, with its text when it was JSON (duplicate keys are found in it). */
export interface RequestBody {
  value: unknown;
  json?: string;
}

/** {@link readRequestBody}, keeping the JSON text for field validation. */
export async function readRequestBodyText(
  req: IncomingMessage,
  contentType: string | undefined,
  optional = false,
): Promise<RequestBody> {
  const raw = await readRawBytes(req);
  if (optional && raw.toString('utf8').trim() === '') return { value: undefined };
  if (isProtobufContentType(contentType)) {
    if (raw.length === 0) throw new BadRequestError('the request body is empty');
    return { value: decodeKubeProtobuf(raw) };
  }
  const text = raw.toString('utf8');
  const value = parseBody(text, contentType);
  return (contentType ?? '').includes('yaml') ? { value } : { value, json: text };
}
