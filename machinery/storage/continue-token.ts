import { BadRequestError } from '../errors/index.js';

/** Decoded list continuation: the snapshot revision and the last key returned. */
export interface ContinueToken {
  rv: string;
  start: string;
}

/** Encodes a continue token (opaque base64url JSON, like Kubernetes). */
export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(
    JSON.stringify({ v: 'flotilla.io/v1', rv: token.rv, start: token.start }),
  ).toString('base64url');
}

/** Decodes a continue token. @throws BadRequestError for malformed tokens. */
export function decodeContinue(raw: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    if (typeof parsed.rv === 'string' && typeof parsed.start === 'string') {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through
  }
  throw new BadRequestError(`invalid continue token "${raw}"`);
}
