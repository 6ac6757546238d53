/**
 * Which API request wrote a stored object. The etcd storage keeps the request id (the `Audit-Id`
 * of the request being served, from the log context) inside the stored JSON as a top-level
 * `"$requestId"` field, and takes it out again when it reads the value: the field never reaches
 * an API response. The id read is remembered beside the object (a WeakMap, as `stale` is), for the
 * watch handler to put into its JSON watch events and so carry the id to the controllers.
 */
import { currentRequestId } from '../log/log-context.js';
import type { KubeObject } from '../meta.js';

/** The stored field: `$` keeps it apart from any Kubernetes field name. */
export const REQUEST_ID_FIELD = '$requestId';

const ids = new WeakMap<KubeObject, string>();

/**
 * `obj` (a copy about to be stored) with the current request's id in {@link REQUEST_ID_FIELD},
 * or without the field at all outside a request (a client cannot plant one either).
 */
export function withStoredRequestId<T extends KubeObject>(obj: T): T {
  const id = currentRequestId();
  const { [REQUEST_ID_FIELD]: _ignored, ...rest } = obj;
  return (id === undefined ? rest : { ...rest, [REQUEST_ID_FIELD]: id }) as T;
}

/**
 * Removes {@link REQUEST_ID_FIELD} from an object just read from storage, remembering its value
 * for {@link requestIdOf}.
 */
export function takeStoredRequestId(obj: KubeObject): void {
  const id = obj[REQUEST_ID_FIELD];
  if (id === undefined) return;
  delete obj[REQUEST_ID_FIELD];
  if (typeof id === 'string' && id !== '') ids.set(obj, id);
}

/** The request id `obj` was stored with, when it was read from storage and had one. */
export function requestIdOf(obj: KubeObject): string | undefined {
  return ids.get(obj);
}

/** Makes `to` (a copy of `from`) report the same request id. */
export function copyRequestId(from: KubeObject, to: KubeObject): void {
  const id = ids.get(from);
  if (id !== undefined) ids.set(to, id);
}
