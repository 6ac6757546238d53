import type { Context } from 'koa';
import type { DiscoveryIndex } from './discovery.js';
import { OpenApiService } from './openapi/openapi-service.js';

// one service (and document cache) per API server, found through its discovery index
const services = new WeakMap<DiscoveryIndex, OpenApiService>();

/**
 * Serves /openapi/v2 (JSON or gnostic protobuf, by Accept) and /openapi/v3[/<group-version>]
 * for the types `discovery` lists. @returns false for any other path
 */
export function serveOpenApi(ctx: Context, path: string, discovery: DiscoveryIndex): boolean {
  if (path !== '/openapi/v2' && path !== '/openapi/v3' && !path.startsWith('/openapi/v3/')) {
    return false;
  }
  let service = services.get(discovery);
  if (!service) {
    service = new OpenApiService(() => discovery.all());
    services.set(discovery, service);
  }
  return service.serve(ctx, path);
}
