/** Options for {@link Backoff}. */
export interface BackoffOptions {
  /** Delay of the first period. */
  initialMs: number;
  /** Cap of the doubled delay. */
  maxMs: number;
  /** Clock. @defaultValue Date.now */
  now?: () => number;
}

interface Entry {
  /** Delay the next period will last. */
  nextMs: number;
  /** End of the current period; undefined when no period is pending. */
  until?: number;
  /** Length of the current (or last) period. */
  lastMs: number;
}

/**
 * Per-key exponential back-off, as the kubelet keeps for crash loops (key `<podUID>/<container>`)
 * and image pulls (key `<podUID>/<image>`): each failure starts a period of the current delay,
 * which then doubles up to the cap; `reset` goes back to the initial delay.
 */
export class Backoff {
  private readonly opts: BackoffOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: BackoffOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** Records a failure: starts a period of the current delay, doubles the next; returns the period. */
  fail(key: string): number {
    const e = this.entries.get(key) ?? { nextMs: this.opts.initialMs, lastMs: 0 };
    const delay = Math.min(e.nextMs, this.opts.maxMs);
    e.until = this.now() + delay;
    e.lastMs = delay;
    e.nextMs = Math.min(delay * 2, this.opts.maxMs);
    this.entries.set(key, e);
    return delay;
  }

  /** True when a period was started by `fail` and not yet ended by `consume`. */
  pending(key: string): boolean {
    return this.entries.get(key)?.until !== undefined;
  }

  /** Milliseconds left in the pending period (0 when none is pending or it is over). */
  remaining(key: string): number {
    const until = this.entries.get(key)?.until;
    return until === undefined ? 0 : Math.max(0, until - this.now());
  }

  /** Length of the pending or last period (0 when the key never failed). */
  lastDelay(key: string): number {
    return this.entries.get(key)?.lastMs ?? 0;
  }

  /** Ends the pending period (the retry happens now); the doubled delay is kept. */
  consume(key: string): void {
    const e = this.entries.get(key);
    if (e) delete e.until;
  }

  /** Forgets the key: its next failure waits the initial delay again. */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Keeps only keys for which `keep` is true (the kubelet drops those of deleted pods). */
  retain(keep: (key: string) => boolean): void {
    for (const k of [...this.entries.keys()]) if (!keep(k)) this.entries.delete(k);
  }
}
