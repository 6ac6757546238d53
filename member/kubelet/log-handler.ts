import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import { BadRequestError, NotFoundError } from '../../machinery/errors/index.js';
import type { Pod } from '../../api/index.js';
import type { Kubelet } from './kubelet.js';

/**
 * `GET pods/<name>/log` served from the kubelet of the pod's node (`container`, `tailLines`,
 * `previous`). Register on the member ApiServer: `server.registerSubresource(podType, 'log', podLogHandler(find))`.
 */
export function podLogHandler(
  kubeletFor: (nodeName: string) => Kubelet | undefined,
): SubresourceHandler {
  return async (req) => {
    if (req.method !== 'GET') throw new BadRequestError('pods/log only supports GET');
    const pod = (await req.registry.get(req.rt, req.namespace, req.name)) as Pod;
    const node = pod.spec.nodeName;
    const kubelet = node ? kubeletFor(node) : undefined;
    if (!kubelet) {
      throw new BadRequestError(`pod ${req.name} is not running on a node of this cluster yet`);
    }
    const tail = req.query.tailLines !== undefined ? Number(req.query.tailLines) : undefined;
    const text = await kubelet
      .logs(
        req.namespace ?? 'default',
        req.name,
        req.query.container,
        tail,
        req.query.previous === 'true',
      )
      .catch((err: unknown) => {
        if (err instanceof NotFoundError) throw new BadRequestError(err.message);
        throw err;
      });
    req.ctx.type = 'text/plain';
    req.ctx.body = text;
    return undefined;
  };
}
