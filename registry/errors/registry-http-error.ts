/**
 * OCI Distribution error codes that another attempt cannot fix: the content or the name does not
 * exist (the source was deleted, or the request names a digest that was never pushed), the
 * request is malformed, or the registry refused our credentials.
 */
export const PERMANENT_OCI_CODES: ReadonlySet<string> = new Set([
  'MANIFEST_UNKNOWN',
  'BLOB_UNKNOWN',
  'NAME_UNKNOWN',
  'NAME_INVALID',
  'TAG_INVALID',
  'DIGEST_INVALID',
  'MANIFEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
]);

/** The first OCI error code of a registry's error body (`{"errors":[{"code":...}]}`), if any. */
function ociCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown }[] };
    const code = parsed.errors?.[0]?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `now`; undefined when absent or bad. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Thrown by the OCI client for unexpected HTTP answers. Carries the status, the OCI error code
 * of the body (`MANIFEST_UNKNOWN`, ...) and the `Retry-After` delay of a 429/503. `retryable`
 * is true for 5xx, 408 and 429 only: a 404, an OCI code of {@link PERMANENT_OCI_CODES}, a
 * 401/403 after the auth challenge was answered and any other 4xx fail the copy at once.
 */
export class RegistryHttpError extends Error {
  readonly status: number;
  readonly url: string;
  /** OCI error code of the answer's body, when it had one. */
  readonly code: string | undefined;
  /** Delay the registry asked for (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;

  constructor(
    url: string,
    status: number,
    body: string,
    opts: { retryAfter?: string | null } = {},
  ) {
    super(`${url}: HTTP ${String(status)} ${body.slice(0, 200)}`);
    this.name = 'RegistryHttpError';
    this.status = status;
    this.url = url;
    this.code = ociCode(body);
    this.retryAfterMs = parseRetryAfter(opts.retryAfter);
    const transientStatus = status >= 500 || status === 408 || status === 429;
    this.retryable =
      transientStatus && (this.code === undefined || !PERMANENT_OCI_CODES.has(this.code));
  }
}
