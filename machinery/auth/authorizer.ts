import type { UserInfo } from './user-info.js';

/** What is asked of an authorizer (Kubernetes `authorizer.Attributes`). */
export interface AuthorizationAttributes {
  readonly user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, impersonate, approve, ...; for non-resource requests the lower-case HTTP method. */
  readonly verb: string;
  /** True for /api and /apis resource requests, false for /healthz, /metrics, /version, discovery roots... */
  readonly resourceRequest: boolean;
  readonly apiGroup: string;
  readonly apiVersion: string;
  /** Plural resource name, e.g. `secrets`. */
  readonly resource: string;
  readonly subresource: string;
  /** Empty for cluster-scoped resources and requests across all namespaces. */
  readonly namespace: string;
  /** Empty for collection requests. */
  readonly name: string;
  /** The request path, for non-resource requests. */
  readonly path: string;
}

/** An authorizer's answer; `reason` is shown in the 403 message or the access review. */
export interface AuthorizationDecision {
  readonly allowed: boolean;
  readonly reason?: string;
}

/** Decides whether a user may do what a request asks. */
export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): Promise<AuthorizationDecision>;
}

/** The Kubernetes-style 403 message for a refused request. */
export function forbiddenMessage(a: AuthorizationAttributes, reason?: string): string {
  const suffix = reason ? `: ${reason}` : '';
  if (!a.resourceRequest) {
    return `User "${a.user.name}" cannot ${a.verb} path "${a.path}"${suffix}`;
  }
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  const named = a.name ? ` "${a.name}"` : '';
  return `${a.resource}${named} is forbidden: User "${a.user.name}" cannot ${a.verb} resource "${res}" in API group "${a.apiGroup}"${where}${suffix}`;
}
