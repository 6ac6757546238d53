/** Abortable waits for the leader-election loops (the `wait` package part of client-go). */

/** Thrown by {@link abortable} when its signal aborts before the call settles. */
export class WaitAbortedError extends Error {
  constructor() {
    super('wait aborted');
    this.name = 'WaitAbortedError';
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Settles like `call`, or rejects with {@link WaitAbortedError} as soon as `signal` aborts. The
 * client has no cancellation, so an abandoned call runs on; its outcome is ignored (like a Go
 * request whose context expired).
 */
export function abortable<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    call.catch(() => undefined);
    return Promise.reject(new WaitAbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new WaitAbortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** A signal that aborts `ms` from now or when `parent` aborts; `clear()` drops the timer. */
export function deadline(parent: AbortSignal, ms: number): { signal: AbortSignal; clear(): void } {
  const ctl = new AbortController();
  const onAbort = (): void => {
    ctl.abort();
  };
  const timer = setTimeout(onAbort, ms);
  parent.addEventListener('abort', onAbort, { once: true });
  if (parent.aborted) onAbort();
  return {
    signal: ctl.signal,
    clear: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** client-go's `wait.Jitter(period, 1.2)`: a wait in [period, 2.2 × period). */
export function jitter(periodMs: number, factor = 1.2): number {
  return periodMs + Math.random() * factor * periodMs;
}
