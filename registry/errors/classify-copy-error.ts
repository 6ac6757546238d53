/**
 * The one place that decides whether a failed copy is worth another attempt (the replicator's
 * cockatiel retry, its circuit breaker and bullmq's job retry all follow it), and how the
 * failure reads in the PromotionRequest's status.
 */
import { DigestMismatchError } from './digest-mismatch-error.js';
import { PromotionRefusedError } from './promotion-refused-error.js';
import { RegistryCredentialsError } from './registry-credentials-error.js';
import { RegistryHttpError } from './registry-http-error.js';

/** Socket and DNS error codes of a connection that may work on the next attempt. */
const TRANSIENT_NET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** How a copy failure is handled. */
export interface CopyErrorClass {
  /** True when another attempt may succeed (5xx, 429, network errors, timeouts). */
  retryable: boolean;
  /** The delay the registry asked for (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
}

/** The `code` of a Node.js system error, looking through `cause` chains (fetch wraps them). */
function systemCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = e.cause;
  }
  return undefined;
}

/**
 * Classifies a copy failure. Permanent: a refused or impossible promotion, unusable credentials,
 * a digest mismatch, and HTTP answers other than 5xx/408/429 (404 and the OCI codes
 * `MANIFEST_UNKNOWN`, `BLOB_UNKNOWN`, `NAME_UNKNOWN`, `NAME_INVALID`, `TAG_INVALID`,
 * `DIGEST_INVALID`, `MANIFEST_INVALID`, and 401/403 `UNAUTHORIZED`/`DENIED` after the auth
 * challenge was answered), and malformed manifest JSON. Retryable: 5xx, 408, 429 (with its
 * `Retry-After`), connection errors (`ECONNREFUSED`, `ECONNRESET`, ...), timeouts and aborts.
 * Anything else unknown is retried, as before this classification existed: bounded by the
 * attempts, it costs time, while failing a copy that would have worked costs a new request.
 */
export function classifyCopyError(err: unknown): CopyErrorClass {
  if (err instanceof RegistryHttpError) {
    return {
      retryable: err.retryable,
      ...(err.retryable && err.retryAfterMs !== undefined
        ? { retryAfterMs: err.retryAfterMs }
        : {}),
    };
  }
  if (
    err instanceof DigestMismatchError ||
    err instanceof PromotionRefusedError ||
    err instanceof RegistryCredentialsError
  ) {
    return { retryable: err.retryable };
  }
  // a manifest whose bytes match its digest but are not JSON will not change
  if (err instanceof SyntaxError) return { retryable: false };
  const code = systemCode(err);
  if (code !== undefined && TRANSIENT_NET_CODES.has(code)) return { retryable: true };
  // a registry URL that cannot be parsed stays unparseable
  if (code === 'ERR_INVALID_URL') return { retryable: false };
  return { retryable: true };
}

/** True when the error fails the copy at once ({@link classifyCopyError}). */
export function isPermanentCopyError(err: unknown): boolean {
  return !classifyCopyError(err).retryable;
}

/** Registry URLs of a copy, to say which side a failed request went to. */
export interface CopySides {
  source: string;
  target: string;
}

/** `manifest repo@ref` / `blob repo@digest` of a `/v2/...` URL, or the URL itself. */
function subjectOf(url: string): string {
  const m = /\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)$/.exec(new URL(url).pathname);
  if (!m) return url;
  const [, repo = '', kind = '', ref = ''] = m;
  const sep = ref.includes(':') ? '@' : ':';
  return `${kind === 'manifests' ? 'manifest' : 'blob'} ${repo}${sep}${ref}`;
}

/** Which registry of the copy `url` belongs to. */
function sideOf(url: string, sides: CopySides): string {
  if (url.startsWith(`${sides.source.replace(/\/+$/, '')}/`)) return 'source';
  if (url.startsWith(`${sides.target.replace(/\/+$/, '')}/`)) return 'target';
  return 'registry';
}

/**
 * The failure as the request's status message says it, ending in `permanent, not retried` for
 * permanent failures, e.g. `source manifest app/web@sha256:… not found (MANIFEST_UNKNOWN):
 * permanent, not retried`.
 */
export function describeCopyError(err: unknown, sides: CopySides): string {
  const permanent = isPermanentCopyError(err);
  const suffix = permanent ? ': permanent, not retried' : '';
  if (err instanceof RegistryHttpError) {
    const where = `${sideOf(err.url, sides)} ${subjectOf(err.url)}`;
    const code = err.code !== undefined ? ` (${err.code})` : ` (HTTP ${String(err.status)})`;
    if (err.status === 401 || err.status === 403) {
      const oci = err.code !== undefined ? ` ${err.code}` : '';
      return `${where}: registry refused access (HTTP ${String(err.status)}${oci}); check the Registry's spec.credentialsSecretRef${suffix}`;
    }
    if (err.status === 404) return `${where} not found${code}${suffix}`;
    if (err.retryable) {
      const oci = err.code !== undefined ? ` (${err.code})` : '';
      return `${where}: registry answered HTTP ${String(err.status)}${oci}`;
    }
    return `${where}: rejected${code}: ${err.message}${suffix}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return `${msg}${suffix}`;
}
