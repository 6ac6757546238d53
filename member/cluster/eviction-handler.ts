import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import type { DeleteOptions } from '../../machinery/client/kube-client.js';
import { BadRequestError } from '../../machinery/errors/index.js';

/**
 * `POST pods/<name>/eviction` (policy/v1 Eviction): deletes the pod with the Eviction's
 * deleteOptions. Flotilla members have no PodDisruptionBudgets, so an eviction is never refused.
 */
export const evictionHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw new BadRequestError('eviction only supports POST');
  const body = req.body as { kind?: string; deleteOptions?: DeleteOptions } | undefined;
  if (body?.kind !== undefined && body.kind !== 'Eviction') {
    throw new BadRequestError(`expected kind Eviction, got ${body.kind}`);
  }
  await req.registry.delete(req.rt, req.namespace, req.name, body?.deleteOptions ?? {});
  req.ctx.status = 201;
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 };
};
