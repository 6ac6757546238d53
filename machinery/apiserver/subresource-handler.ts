import type { Context } from 'koa';
import type { AuthorizationAttributes, AuthorizationDecision } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user-info.js';
import type { ResourceType } from '../resource-type.js';
import type { GenericRegistry } from '../registry/generic-registry.js';

/** What a custom subresource handler receives. */
export interface SubresourceRequest {
  rt: ResourceType;
  namespace: string | undefined;
  name: string;
  /** The trailing path of a `proxy` subresource (see `ResourcePath.proxyPath`). */
  proxyPath?: string;
  method: string;
  /** Parsed JSON body (undefined for GET). */
  body: unknown;
  query: Record<string, string>;
  /** Authenticated user name ('system:anonymous' without auth). */
  user: string;
  /** The authenticated user with its groups. */
  userInfo: UserInfo;
  /** Asks the server's authorizer (allows everything when the server has none). */
  authorize(attrs: AuthorizationAttributes): Promise<AuthorizationDecision>;
  registry: GenericRegistry;
  /** The koa context, for handlers that stream (e.g. pods/log follow). */
  ctx: Context;
}

/**
 * A custom subresource (pods/log, pods/binding, promotionrequests/approval...). Resolves to the
 * response body (serialized as JSON, or written as-is when a string); `undefined` means the handler
 * wrote the response itself. Throw ApiErrors for failures.
 */
export type SubresourceHandler = (req: SubresourceRequest) => Promise<unknown>;
