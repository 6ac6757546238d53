/**
 * Which storage keys expire (`EtcdStorageOptions.ttlFor`): kube-apiserver keeps Events for
 * `--event-ttl` (default 1 h) after their last write and every other object until it is deleted.
 */
import { resourcePrefix } from '../registry/object-names.js';

/** kube-apiserver's `--event-ttl` default: one hour, in seconds. */
export const DEFAULT_EVENT_TTL_SECONDS = 60 * 60;

/**
 * Storage key prefix of Events: core/v1 and events.k8s.io/v1 Events share it, as in Kubernetes
 * (`/registry/events/<namespace>/<name>`).
 */
export const EVENTS_KEY_PREFIX = resourcePrefix({ group: '', plural: 'events', namespaced: true });

/** A `ttlFor` giving keys under each prefix its seconds (the longest matching prefix wins). */
export function ttlByPrefix(
  prefixes: Readonly<Record<string, number>>,
): (key: string) => number | undefined {
  const entries = Object.entries(prefixes).sort(([a], [b]) => b.length - a.length);
  return (key) => entries.find(([prefix]) => key.startsWith(prefix))?.[1];
}

/**
 * The `ttlFor` of an API server's `--event-ttl`: Events live `seconds` after their last write;
 * with 0 nothing expires.
 */
export function eventTtlFor(
  seconds: number = DEFAULT_EVENT_TTL_SECONDS,
): (key: string) => number | undefined {
  return seconds > 0 ? ttlByPrefix({ [EVENTS_KEY_PREFIX]: seconds }) : () => undefined;
}
