/**
 * Status of federated custom resources. A ResourceInterpreterCustomization with a
 * `statusAggregation` rule merges the members' statuses (Karmada's AggregateStatus); without
 * one there is no way to merge several, so a member's `status` is copied back only when it is the
 * one member the custom resource is placed in, and the CRD has a status subresource; otherwise
 * the template's status is left alone (each member's is in the ResourceBinding's aggregatedStatus).
 */
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { ApiError, NotFoundError } from '../../../machinery/errors/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { StatusItem } from '../../interpreter/replica-interpreter.js';
import type { ApplyResult, TemplateType } from './template-type.js';

/**
 * Merges the members' statuses into the template's (a customization's rule); undefined when
 * the kind has no such rule, null to leave the template's status as it is (the rule failed).
 */
export type AggregateStatus = (
  tmpl: KubeObject,
  items: StatusItem[],
) => Record<string, unknown> | undefined | null;

/**
 * The status the custom resource should have at the federation: `aggregate`'s over the applied
 * members when it has a rule for the kind, else the single member's; undefined to leave it. Pure
 * but for `aggregate`.
 */
export function customResourceStatus(
  tmpl: KubeObject,
  results: ApplyResult[],
  aggregate?: AggregateStatus,
): unknown {
  const items: StatusItem[] = results
    .filter((r) => r.applied)
    .map((r) => ({
      clusterName: r.cluster,
      status: r.object?.status as Record<string, unknown> | undefined,
      applied: true,
    }));
  const merged = aggregate?.(tmpl, items);
  if (merged === null) return undefined;
  if (merged !== undefined) return merged;
  const only = results.length === 1 ? results[0] : undefined;
  return only?.applied ? only.object?.status : undefined;
}

/**
 * Writes {@link customResourceStatus} into the custom resource at the federation (through its
 * status subresource) when it differs; a template deleted or changed meanwhile is left to the
 * next reconcile.
 */
export async function copyCustomResourceStatus(
  api: KubeClient,
  t: TemplateType,
  tmpl: KubeObject,
  results: ApplyResult[],
  aggregate?: AggregateStatus,
): Promise<void> {
  const status = customResourceStatus(tmpl, results, aggregate);
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
