/**
 * Status of federated custom resources. Without an interpreter for the kind there is no way to
 * merge several members' statuses, so a member's `status` is copied back only when it is the one
 * member the custom resource is placed in, and the CRD has a status subresource; otherwise the
 * template's status is left alone (each member's is in the ResourceBinding's aggregatedStatus).
 */
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { ApiError, NotFoundError } from '../../../machinery/errors/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { ApplyResult, TemplateType } from './template-type.js';

/**
 * Copies the single member's status into the custom resource at the federation (through its
 * status subresource) when it differs; a template deleted or changed meanwhile is left to the
 * next reconcile.
 */
export async function copyCustomResourceStatus(
  api: KubeClient,
  t: TemplateType,
  tmpl: KubeObject,
  results: ApplyResult[],
): Promise<void> {
  const only = results.length === 1 ? results[0] : undefined;
  const status = only?.applied ? only.object?.status : undefined;
  if (status === undefined || JSON.stringify(status) === JSON.stringify(tmpl.status)) return;
  await api
    .resource(t.gvr, tmpl.metadata.namespace)
    .updateStatus({ ...structuredClone(tmpl), status })
    .catch((err: unknown) => {
      if (!(err instanceof NotFoundError) && !(err instanceof ApiError && err.code === 409)) {
        throw err;
      }
    });
}
