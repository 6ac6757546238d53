// @ts-check
/**
 * List-then-watch caches of API resources (the informer pattern, in the browser): list, then
 * read `?watch=1&resourceVersion=<rv>&allowWatchBookmarks=true` as a stream of newline-delimited
 * JSON events with fetch + ReadableStream; list again when the watch ends or answers 410 Gone,
 * with exponential back-off after failures.
 */
import { ApiError, errorOf, headers, request } from './api.js';

/**
 * @typedef {{ apiVersion?: string, kind?: string,
 *   metadata: { name?: string, namespace?: string, uid?: string, resourceVersion?: string,
 *     creationTimestamp?: string, labels?: Record<string, string>,
 *     annotations?: Record<string, string> } }} KubeObject
 */
/** @typedef {'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED' | 'ERROR'} ChangeType */
/** @typedef {(type: ChangeType, object: KubeObject | undefined) => void} ChangeListener */

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/** @param {KubeObject} o */
const keyOf = (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/**
 * Waits `ms`, or less when `signal` aborts.
 * @param {number} ms
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function sleep(ms, signal) {
  return new Promise((done) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      done();
    });
  });
}

/** Thrown inside the loop when the watch answers 410 Gone: the cache must list again. */
class GoneError extends Error {}

/** One resource (a collection path such as `/apis/apps/v1/deployments`) kept up to date. */
export class ResourceWatch {
  /**
   * @param {string} path collection path on this origin
   * @param {ChangeListener} onChange called after every change of `items`, `synced` or `error`
   */
  constructor(path, onChange) {
    /** @readonly */
    this.path = path;
    /** @private @readonly */
    this.onChange = onChange;
    /** @type {Map<string, KubeObject>} the objects by `namespace/name` */
    this.items = new Map();
    /** Whether the first list arrived. */
    this.synced = false;
    /** @type {ApiError | Error | null} the last failure (null once a list succeeds again) */
    this.error = null;
  }

  /** @returns {KubeObject[]} the objects, sorted by namespace/name */
  list() {
    return [...this.items.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, o]) => o);
  }

  /**
   * Runs until `signal` aborts; never rejects (failures land in `error`).
   * @param {AbortSignal} signal
   * @returns {Promise<void>}
   */
  async run(signal) {
    let delay = MIN_DELAY_MS;
    while (!signal.aborted) {
      try {
        /** @type {{ metadata?: { resourceVersion?: string }, items?: KubeObject[] }} */
        const list = await request(this.path, { signal });
        this.items = new Map((list.items ?? []).map((o) => [keyOf(o), o]));
        this.synced = true;
        this.error = null;
        this.onChange('SYNCED', undefined);
        delay = MIN_DELAY_MS;
        await this.watch(list.metadata?.resourceVersion ?? '0', signal);
        // the server closed the stream (timeout, restart): list again after a short pause
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof GoneError)) {
          this.error = err instanceof Error ? err : new Error(String(err));
          this.onChange('ERROR', undefined);
          // a refusal (401/403) will not heal by itself soon: retry slowly
          if (err instanceof ApiError && (err.code === 401 || err.code === 403)) {
            delay = MAX_DELAY_MS;
          }
        }
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }

  /**
   * Applies watch events from `rv` until the stream ends.
   * @private
   * @param {string} rv
   * @param {AbortSignal} signal
   * @returns {Promise<void>}
   */
  async watch(rv, signal) {
    const sep = this.path.includes('?') ? '&' : '?';
    const url = `${this.path}${sep}watch=1&resourceVersion=${encodeURIComponent(rv)}&allowWatchBookmarks=true`;
    const res = await fetch(url, { headers: headers(false), signal, credentials: 'same-origin' });
    if (res.status === 410) throw new GoneError();
    if (!res.ok || !res.body) throw await errorOf(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line)
          this.apply(/** @type {{ type: string, object: KubeObject }} */ (JSON.parse(line)));
        nl = buffer.indexOf('\n');
      }
    }
  }

  /**
   * @private
   * @param {{ type: string, object: KubeObject }} ev
   */
  apply(ev) {
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.items.set(keyOf(ev.object), ev.object);
        this.onChange(ev.type, ev.object);
        return;
      case 'DELETED':
        this.items.delete(keyOf(ev.object));
        this.onChange('DELETED', ev.object);
        return;
      case 'ERROR': {
        const status = /** @type {import('./api.js').Status} */ (ev.object);
        if (status.code === 410) throw new GoneError();
        throw new ApiError(status.code ?? 500, status);
      }
      default:
        // BOOKMARK: only moves the resourceVersion, which a re-list replaces anyway
        return;
    }
  }
}

/** The watches of one session, shared by the pages (each path is watched once). */
export class WatchSet {
  /** @param {(path: string, type: ChangeType, object: KubeObject | undefined) => void} onChange */
  constructor(onChange) {
    /** @private @readonly */
    this.onChange = onChange;
    /** @private @type {Map<string, ResourceWatch>} */
    this.watches = new Map();
    /** @private */
    this.abort = new AbortController();
  }

  /**
   * The watch of `path`, started on first use.
   * @param {string} path
   * @returns {ResourceWatch}
   */
  get(path) {
    let w = this.watches.get(path);
    if (!w) {
      w = new ResourceWatch(path, (type, object) => {
        this.onChange(path, type, object);
      });
      this.watches.set(path, w);
      void w.run(this.abort.signal);
    }
    return w;
  }

  /** Stops every watch (logout). */
  stop() {
    this.abort.abort();
    this.watches.clear();
  }
}
