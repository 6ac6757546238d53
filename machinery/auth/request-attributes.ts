import type { UserInfo } from './user-info.js';
import type { AuthorizationAttributes } from './authorizer.js';
import type { ResourcePath } from '../apiserver/request-path.js';

/**
 * The Kubernetes verb of a resource request: GET → get/list/watch, POST → create, PUT → update,
 * PATCH → patch, DELETE → delete/deletecollection.
 */
export function resourceVerb(
  method: string,
  p: Pick<ResourcePath, 'name'>,
  query: Readonly<Record<string, unknown>>,
): string {
  const watch = query.watch === 'true' || query.watch === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return p.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return p.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

/** Attributes of a resource request. */
export function resourceAttributes(
  user: UserInfo,
  method: string,
  path: string,
  p: ResourcePath,
  query: Readonly<Record<string, unknown>>,
): AuthorizationAttributes {
  return {
    user,
    verb: resourceVerb(method, p, query),
    resourceRequest: true,
    apiGroup: p.group,
    apiVersion: p.version,
    resource: p.resource,
    subresource: p.subresource ?? '',
    namespace: p.namespace ?? '',
    name: p.name ?? '',
    path,
  };
}

/** The verb of a non-resource request: the lower-case HTTP method, `get` for HEAD. */
export function nonResourceVerb(method: string): string {
  return method === 'HEAD' ? 'get' : method.toLowerCase();
}

/**
 * Attributes of a non-resource request (/version, /metrics, discovery roots, /openapi/v2...), or
 * of an access review that asks about one.
 */
export function nonResourceAttributes(
  user: UserInfo,
  verb: string,
  path: string,
): AuthorizationAttributes {
  return {
    user,
    verb,
    resourceRequest: false,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    path,
  };
}
