import type { Condition } from '../../machinery/meta.js';
import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import { BadRequestError, ConflictError } from '../../machinery/errors/index.js';
import type { Pod } from '../../api/index.js';

/**
 * `POST pods/<name>/binding` (core/v1 Binding): sets spec.nodeName once and marks PodScheduled.
 * Register on the member ApiServer: `server.registerSubresource(podType, 'binding', bindingHandler)`.
 */
export const bindingHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw new BadRequestError('binding only supports POST');
  const body = req.body as { target?: { name?: string; kind?: string } } | undefined;
  const target = body?.target?.name;
  if (!target) throw new BadRequestError('Binding.target.name is required');
  await req.registry.guaranteedUpdate(req.rt, req.namespace, req.name, undefined, (cur) => {
    const pod = cur as Pod;
    if (pod.spec.nodeName) {
      throw new ConflictError(
        `pod ${req.name} is already assigned to node "${pod.spec.nodeName}"`,
        { name: req.name },
      );
    }
    pod.spec.nodeName = target;
    const cond: Condition = {
      type: 'PodScheduled',
      status: 'True',
      lastTransitionTime: new Date().toISOString(),
    };
    pod.status = {
      ...(pod.status ?? {}),
      conditions: [
        ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
        cond,
      ],
    };
    return pod;
  });
  req.ctx.status = 201;
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 };
};
