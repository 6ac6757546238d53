/**
 * The ResourceBinding writes of the pipeline's stages (each writes only its own part) and the
 * template status the binding controller aggregates.
 */
import {
  RESOURCE_BINDINGS,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import type { Condition, KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import {
  AlreadyExistsError,
  ApiError,
  ConflictError,
  NotFoundError,
} from '../../../machinery/errors/index.js';
import { LABEL_TEMPLATE } from './member-object.js';
import { specificationDigest } from './template-specification.js';
import type { ApplyResult, TemplateType } from './template-type.js';
import { aggregateStatus, healthOf } from './status-aggregation.js';
import type { ScheduleOutcome } from './schedule-outcome.js';

/** What the resource detector writes into a binding's spec (from the template and its policy). */
export interface BindingSource {
  policy: PropagationPolicy;
  replicas: number | undefined;
  /** Karmada's attached-binding snapshot: the workloads a dependency follows. */
  requiredBy?: NonNullable<ResourceBinding['spec']['requiredBy']>;
  /** Set when the resource interpreter failed for the template (read by the scheduler). */
  interpreterError?: string;
}

/**
 * Annotation on a ResourceBinding: the resource interpreter failed for its template (the message),
 * written by the resource detector; the scheduler turns it into `Scheduled=False InterpreterFailed`.
 */
export const ANNOTATION_INTERPRETER_ERROR = 'propagation.flotilla.io/interpreter-error';

/**
 * Annotation on a ResourceBinding: the digest of its template's specification when the detector
 * last wrote `spec.resource.resourceVersion` (kept while only the template's status changes).
 */
export const ANNOTATION_TEMPLATE_DIGEST = 'propagation.flotilla.io/template-digest';

/**
 * The resource detector's write: creates the template's ResourceBinding, or updates its spec
 * (resource with the template's resourceVersion, policy, placement, replicas...), keeping what the
 * scheduler decided (`clusters`, `gracefulEvictionTasks`). Writes only what changed.
 * @returns the binding as written (or as it was)
 */
export async function writeBindingSpec(
  api: KubeClient,
  t: TemplateType,
  tmpl: KubeObject,
  name: string,
  existing: ResourceBinding | undefined,
  src: BindingSource,
  retried = false,
): Promise<ResourceBinding> {
  const ns = tmpl.metadata.namespace ?? 'default';
  const { policy } = src;
  // the template's resourceVersion moves on only when its specification did: a status write
  // (the binding controller's own) leaves the binding alone
  const digest = specificationDigest(tmpl);
  const known = existing?.metadata.annotations?.[ANNOTATION_TEMPLATE_DIGEST] === digest;
  const resourceVersion =
    (known ? existing?.spec.resource.resourceVersion : undefined) ?? tmpl.metadata.resourceVersion;
  const spec: ResourceBinding['spec'] = {
    resource: {
      apiVersion: t.apiVersion,
      kind: t.kind,
      namespace: ns,
      name: tmpl.metadata.name ?? '',
      uid: tmpl.metadata.uid ?? '',
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    policy: { namespace: policy.metadata.namespace ?? ns, name: policy.metadata.name ?? '' },
    placement: policy.spec.placement,
    ...(policy.spec.conflictResolution
      ? { conflictResolution: policy.spec.conflictResolution }
      : {}),
    ...(policy.spec.propagateDeps ? { propagateDeps: true } : {}),
    ...(src.replicas !== undefined ? { replicas: src.replicas } : {}),
    clusters: existing?.spec.clusters ?? [],
    ...(src.requiredBy && src.requiredBy.length > 0 ? { requiredBy: src.requiredBy } : {}),
    ...(existing?.spec.gracefulEvictionTasks
      ? { gracefulEvictionTasks: existing.spec.gracefulEvictionTasks }
      : {}),
  };
  const annotations: Record<string, string> = {
    ...(existing?.metadata.annotations ?? {}),
    [ANNOTATION_TEMPLATE_DIGEST]: digest,
  };
  delete annotations[ANNOTATION_INTERPRETER_ERROR];
  if (src.interpreterError !== undefined) {
    annotations[ANNOTATION_INTERPRETER_ERROR] = src.interpreterError;
  }
  const client = api.resource<ResourceBinding>(RESOURCE_BINDINGS, ns);
  if (!existing) {
    return client
      .create({
        apiVersion: 'work.flotilla.io/v1alpha1',
        kind: 'ResourceBinding',
        metadata: {
          name,
          namespace: ns,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
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
  }
  const sameAnnotations =
    JSON.stringify(annotations) === JSON.stringify(existing.metadata.annotations ?? {});
  if (JSON.stringify(existing.spec) === JSON.stringify(spec) && sameAnnotations) return existing;
  return client
    .update({
      ...structuredClone(existing),
      metadata: { ...structuredClone(existing.metadata), annotations },
      spec,
    })
    .catch(async (err: unknown) => {
      // the scheduler wrote it meanwhile: decided again from the fresh binding (once)
      if (!(err instanceof ConflictError) || retried) throw err;
      return writeBindingSpec(api, t, tmpl, name, await client.get(name), src, true);
    });
}

/** A write: the object it replaced and the object as the API server answered. */
export interface Written<T> {
  from: T;
  written: T;
}

/**
 * Writes a binding's status as `change` makes it from the current one (each stage changes only its
 * own part: the scheduler the Scheduled condition, the binding controller the aggregated status
 * and FullyApplied). Writes only what changed; a binding gone meanwhile is left alone.
 * @returns the write, or undefined when nothing was written
 */
export async function writeBindingStatus(
  api: KubeClient,
  binding: ResourceBinding,
  change: (s: NonNullable<ResourceBinding['status']>) => NonNullable<ResourceBinding['status']>,
): Promise<Written<ResourceBinding> | undefined> {
  const client = api.resource<ResourceBinding>(RESOURCE_BINDINGS, binding.metadata.namespace);
  const write = async (b: ResourceBinding): Promise<Written<ResourceBinding> | undefined> => {
    const status = change(structuredClone(b.status ?? {}));
    if (JSON.stringify(stripTimes(b.status)) === JSON.stringify(stripTimes(status))) {
      return undefined;
    }
    return { from: b, written: await client.updateStatus({ ...structuredClone(b), status }) };
  };
  return write(binding)
    .catch(async (err: unknown) => {
      // another stage wrote the binding meanwhile: its own part is re-applied on the fresh one
      if (!(err instanceof ConflictError)) throw err;
      return write(await client.get(binding.metadata.name ?? ''));
    })
    .catch(ignoreNotFound);
}

/** `conditions` with `c` in place of the condition of its type (kept in type order). */
export function withCondition(conditions: Condition[] | undefined, c: Condition): Condition[] {
  const order = ['Scheduled', 'FullyApplied'];
  const rest = (conditions ?? []).filter((x) => x.type !== c.type);
  const prev = (conditions ?? []).find((x) => x.type === c.type);
  const same = prev?.status === c.status && prev.reason === c.reason && prev.message === c.message;
  const next = same ? prev : c;
  return [...rest, next].sort((a, b) => rank(order, a.type) - rank(order, b.type));
}

const rank = (order: string[], type: string): number => {
  const i = order.indexOf(type);
  return i < 0 ? order.length : i;
};

/** The member results as a binding's `status.aggregatedStatus`. */
export function aggregatedStatusOf(
  results: ApplyResult[],
): NonNullable<NonNullable<ResourceBinding['status']>['aggregatedStatus']> {
  return results.map((r) => ({
    clusterName: r.cluster,
    applied: r.applied,
    ...(r.message ? { appliedMessage: r.message } : {}),
    health: r.applied ? healthOf(r.object) : 'Unknown',
    ...(r.object?.status ? { status: r.object.status as Record<string, unknown> } : {}),
  }));
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
): Promise<Written<KubeObject> | undefined> {
  const agg = aggregateStatus(
    tmpl,
    results.filter((r) => r.applied).map((r) => ({ cluster: r.cluster, object: r.object })),
    now,
    schedule.ok ? undefined : schedule.message,
  );
  if (!agg || JSON.stringify(agg) === JSON.stringify(tmpl.status)) return undefined;
  return api
    .resource(t.gvr, tmpl.metadata.namespace)
    .updateStatus({ ...structuredClone(tmpl), status: agg })
    .then((written) => ({ from: tmpl, written }))
    .catch((err: unknown) => {
      if (!(err instanceof NotFoundError) && !(err instanceof ApiError && err.code === 409)) {
        throw err;
      }
      return undefined;
    });
}

/** FullyApplied: True only when the placement succeeded and every placed member applied it. */
export function fullyApplied(schedule: ScheduleOutcome, results: ApplyResult[]): Condition {
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
