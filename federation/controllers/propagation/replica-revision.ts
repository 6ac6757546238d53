/**
 * The propagation's use of the resource interpreter: a template's replicas (what `place` divides)
 * and, once placed, the template as revised for each cluster (its share of the replicas, and for
 * a Job its share of the completions). A customization's rule that fails gives a typed,
 * non-retryable outcome the controller turns into the binding's Scheduled=False condition and an
 * event, leaving the members' copies as they are.
 */
import type { KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { PropagationPolicy, ResourceBinding } from '../../apis/index.js';
import { writeBindingSpec } from './binding-writer.js';
import type { PropagationEvents } from './propagation-events.js';
import type { TemplateType } from './template-type.js';
import type { AggregateStatus } from './custom-resource-status.js';
import { InterpreterRuleError } from '../../interpreter/interpreter-errors.js';
import type { ClusterShare, ResourceInterpreter } from '../../interpreter/replica-interpreter.js';
import type { ScheduleOutcome } from './schedule-outcome.js';

/** What interpreting a template came to. */
export type Interpreted<T> = { ok: true; value: T } | { ok: false; error: InterpreterRuleError };

function attempt<T>(f: () => T): Interpreted<T> {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    // anything else is a bug of ours: the reconcile fails and is retried
    if (err instanceof InterpreterRuleError) return { ok: false, error: err };
    throw err;
  }
}

/** The template's replicas (undefined: the kind has none, it is placed Duplicated). */
export function templateReplicas(
  interp: ResourceInterpreter,
  tmpl: KubeObject,
): Interpreted<number | undefined> {
  return attempt(() => interp.getReplicas(tmpl));
}

/**
 * The template as revised for each placed cluster when its replicas are Divided: the cluster's
 * share of the replicas, and of the fields divided in proportion (a Job's completions, a
 * customization's `proportional` fields; see {@link ResourceInterpreter.reviseReplicas}). The template's metadata is kept as is (the member copy's labels
 * and annotations come from it). Duplicated, every cluster gets the template unchanged.
 */
export function revisedTemplates(
  interp: ResourceInterpreter,
  tmpl: KubeObject,
  clusters: readonly ClusterShare[],
  divided: boolean,
): Interpreted<Map<string, KubeObject>> {
  if (!divided) return { ok: true, value: new Map(clusters.map((c) => [c.name, tmpl])) };
  return attempt(() => {
    const out = new Map<string, KubeObject>();
    for (const [name, revised] of interp.reviseReplicas(tmpl, clusters)) {
      out.set(name, { ...revised, metadata: tmpl.metadata });
    }
    return out;
  });
}

/** The Scheduled outcome of a template whose customization failed. */
export function interpreterFailed(err: InterpreterRuleError): ScheduleOutcome {
  return {
    ok: false,
    reason: 'InterpreterFailed',
    message: `${err.message}; the members' copies are left as they are`,
  };
}

/** What {@link reportInterpreterFailure} reports: the template, its binding, policy and error. */
export type InterpreterFailure = [
  t: TemplateType,
  tmpl: KubeObject,
  bindingName: string,
  binding: ResourceBinding | undefined,
  policy: PropagationPolicy,
  err: InterpreterRuleError,
];

/**
 * A customization's rule failed for the template: not retried (a change of the customization
 * or the template brings it back). The binding's Scheduled condition and an event say why; the
 * members' copies and the binding's clusters and replicas stay as they are.
 */
export async function reportInterpreterFailure(
  client: KubeClient,
  events: PropagationEvents,
  ...[t, tmpl, bindingName, binding, policy, err]: InterpreterFailure
): Promise<void> {
  const schedule = interpreterFailed(err);
  await writeBindingSpec(client, t, tmpl, bindingName, binding, {
    policy,
    replicas: binding?.spec.replicas,
    interpreterError: schedule.message,
  });
  await events.reconciled(tmpl, schedule, []);
}

/**
 * The customizations' status aggregation for {@link copyCustomResourceStatus}: a failing rule
 * leaves the template's status as it is (null: nothing is written) and its error
 * is pushed to `failed` for the controller to record as an event; not retried.
 */
export function statusAggregator(
  interp: ResourceInterpreter,
  failed: InterpreterRuleError[],
): AggregateStatus {
  return (tmpl, items) => {
    if (!interp.aggregatesStatus(tmpl)) return undefined;
    const r = attempt(() => interp.aggregateStatus(tmpl, items));
    if (r.ok) return r.value;
    failed.push(r.error);
    return null;
  };
}
