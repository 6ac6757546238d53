/**
 * What a controller wrote last, for the moments before its informer shows it. A controller that
 * reconciles an object again right after writing it (another event came meanwhile) would start
 * from the informer's copy from before its own write, and its next write would fail with a
 * conflict: a wasted request, a GET and a retry, or a write dropped until the next resync.
 *
 * An entry stands for an object while the informer still holds a version the controller's own
 * writes replaced (each write was conditional on the version before it, so no other writer came
 * in between); as soon as the informer holds anything else — the written version or a later one,
 * or nothing — the informer's copy is the one to use again, and the entry is dropped.
 */
import type { KubeObject } from '../meta.js';

interface Entry<T> {
  /** The versions the controller's writes replaced, in a row. */
  replaced: Set<string>;
  written: T;
}

/** The objects one controller wrote, by informer key (see the file comment). */
export class WrittenObjects<T extends KubeObject> {
  private readonly entries = new Map<string, Entry<T>>();

  /** The object `key` to work from: what was written over `cached` since, or `cached` itself. */
  latest(key: string, cached: T | undefined): T | undefined {
    const e = this.entries.get(key);
    if (!e) return cached;
    const rv = cached?.metadata.resourceVersion;
    if (rv !== undefined && e.replaced.has(rv)) return e.written;
    this.entries.delete(key);
    return cached;
  }

  /** `written` (as the API server answered) replaced the version `from` of `key`. */
  wrote(key: string, from: T, written: T): void {
    const base = from.metadata.resourceVersion;
    const rv = written.metadata.resourceVersion;
    if (base === undefined || rv === undefined || rv === base) return;
    const e = this.entries.get(key);
    // a write over the last one written extends the row; anything else starts it again
    const replaced = e?.written.metadata.resourceVersion === base ? e.replaced : new Set<string>();
    replaced.add(base);
    this.entries.set(key, { replaced, written });
  }

  /** Forgets `key` (its object is gone, or a write over it failed). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Entries held (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }
}
