import {
  ExponentialBackoff,
  handleWhen,
  retry,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';
import { classifyCopyError } from '../errors/classify-copy-error.js';

type Context = IRetryBackoffContext<unknown>;

/** Options for {@link copyRetryPolicy}. */
export interface CopyRetryPolicyOptions {
  /** Attempts in all (the first one included). @defaultValue 6 */
  attempts?: number;
  /** First back-off, doubled per retry. @defaultValue 200 */
  backoffMs?: number;
  /** Cap of the exponential back-off. @defaultValue 5000 */
  maxBackoffMs?: number;
  /** Cap of a registry's `Retry-After` (a registry asking for an hour is not waited for). @defaultValue 30000 */
  maxRetryAfterMs?: number;
}

/** The `Retry-After` the last failure carried, if it was retryable and had one. */
function retryAfterOf(ctx: Context): number | undefined {
  return 'error' in ctx.result ? classifyCopyError(ctx.result.error).retryAfterMs : undefined;
}

/**
 * Wraps a back-off so that a failure carrying `Retry-After` (429, 503) waits at least that long
 * (capped at `cap`), and the exponential sequence goes on from there.
 */
function honourRetryAfter(inner: IBackoffFactory<Context>, cap: number): IBackoffFactory<Context> {
  return {
    next(ctx: Context): IBackoff<Context> {
      const b = inner.next(ctx);
      const asked = retryAfterOf(ctx);
      const duration =
        asked !== undefined ? Math.max(b.duration, Math.min(asked, cap)) : b.duration;
      return { duration, next: (c: Context) => honourRetryAfter(b, cap).next(c) };
    },
  };
}

/**
 * The retry policy of one copy: retries only what {@link classifyCopyError} calls retryable
 * (5xx, 429, network errors), with exponential back-off that honours `Retry-After`; a
 * permanent failure (404, `MANIFEST_UNKNOWN`, digest mismatch, refused credentials, ...) is
 * rethrown after the first attempt.
 */
export function copyRetryPolicy(opts: CopyRetryPolicyOptions = {}): RetryPolicy {
  const exponential = new ExponentialBackoff({
    initialDelay: opts.backoffMs ?? 200,
    maxDelay: opts.maxBackoffMs ?? 5000,
  });
  return retry(
    handleWhen((e) => classifyCopyError(e).retryable),
    {
      maxAttempts: Math.max(0, (opts.attempts ?? 6) - 1),
      backoff: honourRetryAfter(exponential, opts.maxRetryAfterMs ?? 30_000),
    },
  );
}
