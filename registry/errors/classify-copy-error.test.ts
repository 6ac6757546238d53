import { describe, expect, it } from 'vitest';
import {
  classifyCopyError,
  describeCopyError,
  isPermanentCopyError,
} from './classify-copy-error.js';
import { DigestMismatchError } from './digest-mismatch-error.js';
import { PromotionRefusedError } from './promotion-refused-error.js';
import { RegistryCredentialsError } from './registry-credentials-error.js';
import { parseRetryAfter, RegistryHttpError } from './registry-http-error.js';

const SRC = 'http://127.0.0.1:5001';
const DST = 'http://127.0.0.1:5002';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const ociBody = (code: string): string => JSON.stringify({ errors: [{ code, message: 'x' }] });
const httpError = (status: number, body = '', retryAfter?: string): RegistryHttpError =>
  new RegistryHttpError(`${SRC}/v2/app/web/manifests/${DIGEST}`, status, body, {
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
const sysError = (code: string): Error => Object.assign(new Error(code), { code });

describe('classifyCopyError', () => {
  it.each([
    ['MANIFEST_UNKNOWN', 404],
    ['BLOB_UNKNOWN', 404],
    ['NAME_UNKNOWN', 404],
    ['NAME_INVALID', 400],
    ['TAG_INVALID', 400],
    ['DIGEST_INVALID', 400],
    ['MANIFEST_INVALID', 400],
    ['UNAUTHORIZED', 401],
    ['DENIED', 403],
  ])('%s (HTTP %i) is permanent', (code, status) => {
    const err = httpError(status, ociBody(code));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(false);
    expect(classifyCopyError(err)).toEqual({ retryable: false });
  });

  it('a bare 404 without an OCI body is permanent', () => {
    expect(isPermanentCopyError(httpError(404))).toBe(true);
  });

  it('a digest mismatch, refused promotions and unusable credentials are permanent', () => {
    expect(isPermanentCopyError(new DigestMismatchError(DIGEST, 'sha256:b'))).toBe(true);
    expect(isPermanentCopyError(new PromotionRefusedError('pr', 'no policy'))).toBe(true);
    expect(isPermanentCopyError(new RegistryCredentialsError('dev', 's', 'missing'))).toBe(true);
    expect(isPermanentCopyError(new SyntaxError('Unexpected token'))).toBe(true);
  });

  it.each([500, 502, 503, 504, 408])('HTTP %i is retryable', (status) => {
    expect(classifyCopyError(httpError(status))).toEqual({ retryable: true });
  });

  it('HTTP 429 and 503 carry their Retry-After in milliseconds', () => {
    expect(classifyCopyError(httpError(429, '', '3'))).toEqual({
      retryable: true,
      retryAfterMs: 3000,
    });
    expect(classifyCopyError(httpError(503, ociBody('UNAVAILABLE'), '1')).retryAfterMs).toBe(1000);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])(
    'the network error %s is retryable, also wrapped in a cause',
    (code) => {
      expect(classifyCopyError(sysError(code)).retryable).toBe(true);
      const wrapped = new TypeError('fetch failed', { cause: sysError(code) });
      expect(classifyCopyError(wrapped).retryable).toBe(true);
    },
  );

  it('an invalid URL is permanent', () => {
    expect(isPermanentCopyError(sysError('ERR_INVALID_URL'))).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores garbage', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('describeCopyError', () => {
  const sides = { source: SRC, target: DST };

  it('names the side, the manifest and the OCI code of a permanent 404', () => {
    expect(describeCopyError(httpError(404, ociBody('MANIFEST_UNKNOWN')), sides)).toBe(
      `source manifest app/web@${DIGEST} not found (MANIFEST_UNKNOWN): permanent, not retried`,
    );
  });

  it('names a missing blob of the source', () => {
    const err = new RegistryHttpError(
      `${SRC}/v2/app/web/blobs/${DIGEST}`,
      404,
      ociBody('BLOB_UNKNOWN'),
    );
    expect(describeCopyError(err, sides)).toBe(
      `source blob app/web@${DIGEST} not found (BLOB_UNKNOWN): permanent, not retried`,
    );
  });

  it('points a refused access at the credentials, with the HTTP status', () => {
    const err = new RegistryHttpError(
      `${DST}/v2/app/web/blobs/uploads/`,
      401,
      ociBody('UNAUTHORIZED'),
    );
    const msg = describeCopyError(err, sides);
    expect(msg).toContain('target');
    expect(msg).toContain('HTTP 401 UNAUTHORIZED');
    expect(msg).toContain('credentialsSecretRef');
    expect(msg).toMatch(/permanent, not retried$/);
  });

  it('does not call a retryable failure permanent', () => {
    expect(describeCopyError(httpError(503), sides)).toBe(
      `source manifest app/web@${DIGEST}: registry answered HTTP 503`,
    );
    expect(describeCopyError(sysError('ECONNREFUSED'), sides)).toBe('ECONNREFUSED');
  });
});
