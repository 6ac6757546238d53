/**
 * Remembers the slices a controller wrote until its informer has seen them (Kubernetes'
 * `endpointSliceTracker`). A reconcile against a cache that still lacks a created slice (or
 * still holds a deleted one) would write a duplicate, so it waits for the cache instead.
 */
import type { EndpointSlice } from '../../../api/index.js';

/** How long a write is waited for before the cache is trusted again (a lost event). */
const EXPECT_MS = 10_000;

interface Expectation {
  /** resourceVersion written, or undefined for a delete. */
  rv: string | undefined;
  at: number;
}

/** Per owner key (`namespace/name`): the slices written and not yet seen in the cache. */
export class SliceTracker {
  private readonly expected = new Map<string, Map<string, Expectation>>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Records a create or update (the object the server returned). */
  wrote(owner: string, slice: EndpointSlice): void {
    this.expect(owner, slice.metadata.name ?? '', slice.metadata.resourceVersion ?? '');
  }

  /** Records a delete. */
  deleted(owner: string, name: string): void {
    this.expect(owner, name, undefined);
  }

  /** Forgets an owner (it is gone). */
  forget(owner: string): void {
    this.expected.delete(owner);
  }

  /**
   * True while the cache (`get` by slice name) misses a write of `owner`; expectations the cache
   * fulfilled, or older than {@link EXPECT_MS}, are dropped.
   */
  stale(owner: string, get: (name: string) => EndpointSlice | undefined): boolean {
    const m = this.expected.get(owner);
    if (!m) return false;
    let stale = false;
    for (const [name, e] of m) {
      const cached = get(name);
      const seen = e.rv === undefined ? !cached : cached !== undefined && !older(cached, e.rv);
      if (seen || this.now() - e.at > EXPECT_MS) m.delete(name);
      else stale = true;
    }
    if (m.size === 0) this.expected.delete(owner);
    return stale;
  }

  private expect(owner: string, name: string, rv: string | undefined): void {
    let m = this.expected.get(owner);
    if (!m) {
      m = new Map();
      this.expected.set(owner, m);
    }
    m.set(name, { rv, at: this.now() });
  }
}

/** The cached slice predates resourceVersion `rv` (etcd revisions are numbers). */
function older(cached: EndpointSlice, rv: string): boolean {
  const have = Number(cached.metadata.resourceVersion);
  const want = Number(rv);
  if (!Number.isFinite(have) || !Number.isFinite(want)) {
    return cached.metadata.resourceVersion !== rv;
  }
  return have < want;
}
