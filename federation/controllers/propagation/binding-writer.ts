import {
  RESOURCE_BINDINGS,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import type { Condition, KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { AlreadyExistsError, ApiError, NotFoundError } from '../../../machinery/errors/index.js';
import { LABEL_TEMPLATE } from './member-object.js';
import type { ApplyResult, TemplateType } from './template-type.js';
import { aggregateStatus, healthOf } from './status-aggregation.js';
import type { ScheduleOutcome } from './schedule-outcome.js';

/**
 * Creates or updates the template's ResourceBinding: the placement decision (clusters, replicas,
 * policy) and, in its status, what each member reported (applied, message, health, status) with a
 * Scheduled condition (False when the policy names a cluster that is not joined, or nothing fits)
 * and a FullyApplied condition (True only when scheduled and every member applied it). Writes
 * only what changed.
 */
export async function writeBinding(
  api: KubeClient,
  t: TemplateType,
  tmpl: KubeObject,
  name: string,
  existing: ResourceBinding | undefined,
  policy: PropagationPolicy,
  clusters: { name: string; replicas?: number }[],
  results: ApplyResult[],
  replicas: number | undefined,
  schedule: ScheduleOutcome,
): Promise<void> {
  const ns = tmpl.metadata.namespace ?? 'default';
  const spec: ResourceBinding['spec'] = {
    resource: {
      apiVersion: t.apiVersion,
      kind: t.kind,
      namespace: ns,
      name: tmpl.metadata.name ?? '',
      uid: tmpl.metadata.uid ?? '',
    },
    policy: { namespace: policy.metadata.namespace ?? ns, name: policy.metadata.name ?? '' },
    ...(replicas !== undefined ? { replicas } : {}),
    clusters,
  };
  const status: NonNullable<ResourceBinding['status']> = {
    aggregatedStatus: results.map((r) => ({
      clusterName: r.cluster,
      applied: r.applied,
      ...(r.message ? { appliedMessage: r.message } : {}),
      health: r.applied ? healthOf(r.object) : 'Unknown',
      ...(r.object?.status ? { status: r.object.status as Record<string, unknown> } : {}),
    })),
    conditions: [
      {
        type: 'Scheduled',
        status: schedule.ok ? 'True' : 'False',
        reason: schedule.reason,
        message: schedule.message,
      },
      fullyApplied(schedule, results),
    ],
  };
  const client = api.resource<ResourceBinding>(RESOURCE_BINDINGS, ns);
  let current = existing;
  if (!current) {
    current = await client
      .create({
        apiVersion: 'work.flotilla.io/v1alpha1',
        kind: 'ResourceBinding',
        metadata: {
          name,
          namespace: ns,
          labels: {
            [LABEL_TEMPLATE]: `${t.kind.toLowerCase()}.${ns}.${tmpl.metadata.name ?? ''}`,
          },
          ownerReferences: [
            {
              apiVersion: t.apiVersion,
              kind: t.kind,
              name: tmpl.metadata.name ?? '',
              uid: tmpl.metadata.uid ?? '',
            },
          ],
        },
        spec,
      })
      .catch(async (err: unknown) => {
        if (err instanceof AlreadyExistsError) return client.get(name);
        throw err;
      });
  } else if (JSON.stringify(current.spec) !== JSON.stringify(spec)) {
    current = await client.update({ ...current, spec });
  }
  if (JSON.stringify(stripTimes(current.status)) !== JSON.stringify(stripTimes(status))) {
    await client.updateStatus({ ...current, status }).catch(ignoreNotFound);
  }
}

/**
 * Aggregates the members' status into the template's (totals and per-cluster); a template deleted
 * or changed meanwhile is left to the next reconcile.
 */
export async function writeTemplateStatus(
  api: KubeClient,
  t: TemplateType,
  tmpl: KubeObject,
  results: ApplyResult[],
  schedule: ScheduleOutcome,
  now: Date = new Date(),
): Promise<void> {
  const agg = aggregateStatus(
    tmpl,
    results.filter((r) => r.applied).map((r) => ({ cluster: r.cluster, object: r.object })),
    now,
    schedule.ok ? undefined : schedule.message,
  );
  if (!agg || JSON.stringify(agg) === JSON.stringify(tmpl.status)) return;
  await api
    .resource(t.gvr, tmpl.metadata.namespace)
    .updateStatus({ ...structuredClone(tmpl), status: agg })
    .catch((err: unknown) => {
      if (!(err instanceof NotFoundError) && !(err instanceof ApiError && err.code === 409)) {
        throw err;
      }
    });
}

/** FullyApplied: True only when the placement succeeded and every placed member applied it. */
function fullyApplied(schedule: ScheduleOutcome, results: ApplyResult[]): Condition {
  const failed = results.filter((r) => !r.applied);
  if (!schedule.ok || results.length === 0) {
    return {
      type: 'FullyApplied',
      status: 'False',
      reason: 'FullyAppliedFailed',
      message: [schedule.message, ...failed.map((r) => `${r.cluster}: ${r.message ?? ''}`)].join(
        '; ',
      ),
    };
  }
  return {
    type: 'FullyApplied',
    status: failed.length === 0 ? 'True' : 'False',
    reason: failed.length === 0 ? 'FullyAppliedSuccess' : 'FullyAppliedFailed',
    message:
      failed.map((r) => `${r.cluster}: ${r.message ?? ''}`).join('; ') ||
      'All works have been successfully applied',
  };
}

function stripTimes(s: unknown): unknown {
  return JSON.parse(
    JSON.stringify(s ?? {}, (k, v: unknown) => (k === 'lastTransitionTime' ? undefined : v)),
  );
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}
