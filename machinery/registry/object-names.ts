import type { StatusCause } from '../meta.js';
import type { ResourceType } from '../resource-type.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Groups whose resources are stored at `/registry/<plural>` like Kubernetes' built-ins. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'coordination.k8s.io', 'batch', 'events.k8s.io']);

/** `plural` or `plural.group`, as Kubernetes names resources in messages. */
export function qualifiedResource(rt: ResourceType): string {
  return rt.group === '' ? rt.plural : `${rt.plural}.${rt.group}`;
}

/** etcd key prefix of a resource (`/registry/<plural>/` or `/registry/<group>/<plural>/`), plus namespace. */
export function resourcePrefix(
  rt: Pick<ResourceType, 'group' | 'plural' | 'namespaced'>,
  namespace?: string,
): string {
  const base = BUILTIN_GROUPS.has(rt.group)
    ? `/registry/${rt.plural}/`
    : `/registry/${rt.group}/${rt.plural}/`;
  return rt.namespaced && namespace !== undefined ? `${base}${namespace}/` : base;
}

/** etcd key of one object. */
export function objectStorageKey(
  rt: ResourceType,
  namespace: string | undefined,
  name: string,
): string {
  return `${resourcePrefix(rt, rt.namespaced ? namespace : undefined)}${name}`;
}

/** Validates an object name (DNS-1123 subdomain, ≤253 chars). */
export function validateObjectName(name: string, field = 'metadata.name'): StatusCause[] {
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [
      {
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      },
    ];
  }
  return [];
}
