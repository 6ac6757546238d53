import { applyPatch, type SubresourceHandler } from '../../machinery/apiserver/index.js';
import { BadRequestError, MethodNotSupportedError } from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { EPHEMERAL_CONTAINERS, type EphemeralContainer, type Pod } from '../../api/index.js';

/** The ephemeral containers a PUT (a Pod) or patched pod asks for. */
function requested(body: unknown): EphemeralContainer[] {
  if (body === null || typeof body !== 'object') {
    throw new BadRequestError('the request body must be a Pod');
  }
  const spec = (body as Partial<Pod>).spec;
  return structuredClone(spec?.ephemeralContainers ?? []);
}

/**
 * `pods/<name>/ephemeralcontainers`: GET the pod; PUT a Pod or PATCH (strategic merge, JSON merge,
 * JSON patch) it, of which only `spec.ephemeralContainers` is taken (Kubernetes'
 * `dropNonEphemeralContainerUpdates`). Entries can only be added: a changed or removed one is 422,
 * as are ports, probes or resources. A PUT with `metadata.resourceVersion` is conditional (409).
 * Register on the member ApiServer: `server.registerSubresource(podType, 'ephemeralcontainers',
 * ephemeralContainersHandler)`.
 */
export const ephemeralContainersHandler: SubresourceHandler = async (req) => {
  const rt = req.rt;
  if (req.method === 'GET') return req.registry.get(rt, req.namespace, req.name);
  if (req.method !== 'PUT' && req.method !== 'PATCH') {
    throw new MethodNotSupportedError(`${req.method} is not supported on pods/ephemeralcontainers`);
  }
  const ct = req.ctx.get('content-type');
  const rv =
    req.method === 'PUT'
      ? (req.body as Partial<KubeObject> | null)?.metadata?.resourceVersion
      : undefined;
  return req.registry.guaranteedUpdate(
    rt,
    req.namespace,
    req.name,
    rv,
    (cur) => {
      const asked = requested(req.method === 'PUT' ? req.body : applyPatch(rt, cur, req.body, ct));
      const next = structuredClone(cur) as Pod;
      if (asked.length > 0) next.spec.ephemeralContainers = asked;
      else delete next.spec.ephemeralContainers;
      return next;
    },
    { user: req.user, subresource: EPHEMERAL_CONTAINERS },
  );
};
