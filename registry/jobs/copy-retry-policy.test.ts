import { describe, expect, it } from 'vitest';
import { RegistryHttpError } from '../errors/registry-http-error.js';
import { copyRetryPolicy } from './copy-retry-policy.js';

const URL_ = 'http://127.0.0.1:5001/v2/app/web/manifests/latest';
const notFound = (): RegistryHttpError =>
  new RegistryHttpError(URL_, 404, JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
const unavailable = (retryAfter?: string): RegistryHttpError =>
  new RegistryHttpError(URL_, 503, '', retryAfter !== undefined ? { retryAfter } : {});

/** Runs `fail(n)` for attempt n until it returns undefined; records attempts and delays. */
async function run(
  fail: (attempt: number) => Error | undefined,
  opts: Parameters<typeof copyRetryPolicy>[0],
): Promise<{ attempts: number; delays: number[]; error?: unknown }> {
  const policy = copyRetryPolicy(opts);
  const delays: number[] = [];
  const sub = policy.onRetry((ev) => delays.push(ev.delay));
  let attempts = 0;
  try {
    await policy.execute(() => {
      attempts++;
      const err = fail(attempts);
      if (err) throw err;
      return 'ok';
    });
    return { attempts, delays };
  } catch (error) {
    return { attempts, delays, error };
  } finally {
    sub.dispose();
  }
}

describe('copyRetryPolicy', () => {
  it('does not retry a permanent failure', async () => {
    const r = await run(() => notFound(), { attempts: 6, backoffMs: 1 });
    expect(r.attempts).toBe(1);
    expect(r.error).toBeInstanceOf(RegistryHttpError);
  });

  it('retries 503 until it succeeds', async () => {
    const r = await run((n) => (n <= 2 ? unavailable() : undefined), { attempts: 6, backoffMs: 1 });
    expect(r.error).toBeUndefined();
    expect(r.attempts).toBe(3);
  });

  it('gives up after `attempts` attempts in all', async () => {
    const r = await run(() => unavailable(), { attempts: 3, backoffMs: 1 });
    expect(r.attempts).toBe(3);
    expect(r.error).toBeInstanceOf(RegistryHttpError);
  });

  it('stops retrying when a retryable failure turns permanent', async () => {
    const r = await run((n) => (n === 1 ? unavailable() : notFound()), {
      attempts: 6,
      backoffMs: 1,
    });
    expect(r.attempts).toBe(2);
  });

  it('waits at least Retry-After, capped by maxRetryAfterMs', async () => {
    const honoured = await run((n) => (n === 1 ? unavailable('0') : undefined), {
      backoffMs: 1,
      maxBackoffMs: 1,
    });
    expect(honoured.delays).toHaveLength(1);
    const capped = await run((n) => (n === 1 ? unavailable('3600') : undefined), {
      backoffMs: 1,
      maxBackoffMs: 1,
      maxRetryAfterMs: 50,
    });
    expect(capped.delays).toEqual([50]);
  });
});
