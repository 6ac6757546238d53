/** Bound on remembered keys (oldest forgotten first): a forgotten key only records once more. */
const MAX_KEYS = 10_000;

/**
 * Remembers the last state recorded under each key, so that a level-triggered reconcile (which
 * sees the same outcome on every resync) records an event only when the outcome changed.
 */
export class ChangeGate {
  private readonly last = new Map<string, string>();

  /** True (and remembered) when `state` differs from the last one seen under `key`. */
  changed(key: string, state: string): boolean {
    if (this.last.get(key) === state) return false;
    this.last.delete(key);
    this.last.set(key, state);
    if (this.last.size > MAX_KEYS) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    return true;
  }

  /** Forgets every key starting with `prefix` (an object that is gone). */
  forget(prefix: string): void {
    for (const k of [...this.last.keys()]) if (k.startsWith(prefix)) this.last.delete(k);
  }
}
