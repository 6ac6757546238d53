/**
 * The fields every log line written while some work is under way carries, kept in an
 * AsyncLocalStorage: the API server runs each request with its `requestId` (the `Audit-Id` the
 * response carries), an informer runs its event handlers with the request id the watch event
 * brought, and the controller runtime runs each reconcile with `controller`, `key` and the
 * request id that last queued the key. The storage layer reads the request id from here to
 * record which request wrote an object, without any signature in between changing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Contextual log fields (the common ones named; any other field is allowed). */
export interface LogContext {
  /** The API request (its `Audit-Id`) this work was caused by; undefined hides an outer one. */
  requestId?: string | undefined;
  controller?: string;
  key?: string;
  [field: string]: unknown;
}

const store = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` added to the current log context (inner fields win). */
export function runWithLogContext<T>(fields: LogContext, fn: () => T): T {
  const outer = store.getStore();
  return store.run(outer ? { ...outer, ...fields } : fields, fn);
}

/** The fields of the current log context (undefined outside any). */
export function currentLogContext(): LogContext | undefined {
  return store.getStore();
}

/** The request id of the current log context: the API request the running work came from. */
export function currentRequestId(): string | undefined {
  const id = store.getStore()?.requestId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
