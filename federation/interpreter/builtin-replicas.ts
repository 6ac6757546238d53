/**
 * The resource interpreter's built-in replica rules (Karmada's default interpreter): Deployment,
 * ReplicaSet and StatefulSet count `spec.replicas`; a Job counts `spec.parallelism` (the pods it
 * runs at once), and its `spec.completions` are divided over the clusters in proportion to the
 * parallelism each gets, so the members' completions add up to the template's. Pure functions.
 */
import type { KubeObject } from '../../machinery/meta.js';
import { divideByWeight } from '../scheduler/placement.js';

/** How to read and revise an object's replicas. */
export interface ReplicaRule {
  /** The object's replicas. */
  get(obj: KubeObject): number;
  /** A copy of `obj` with `replicas` (never mutates `obj`). */
  revise(obj: KubeObject, replicas: number): KubeObject;
}

type Spec = Record<string, unknown>;
const specOf = (obj: KubeObject): Spec =>
  obj.spec !== null && typeof obj.spec === 'object' ? (obj.spec as Spec) : {};
const count = (v: unknown, dflt: number): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : dflt;

/** Sets `spec[field]` on a copy. */
function withSpecField(obj: KubeObject, field: string, n: number): KubeObject {
  const out = structuredClone(obj);
  out.spec = { ...specOf(out), [field]: n };
  return out;
}

/** `spec.replicas` (Kubernetes' default 1 when unset). */
export const SPEC_REPLICAS: ReplicaRule = {
  get: (obj) => count(specOf(obj).replicas, 1),
  revise: (obj, n) => withSpecField(obj, 'replicas', n),
};

/** A Job: its parallelism (default 1). */
export const JOB_PARALLELISM: ReplicaRule = {
  get: (obj) => count(specOf(obj).parallelism, 1),
  revise: (obj, n) => withSpecField(obj, 'parallelism', n),
};

/** The built-in rules by `<group>/<kind>` (any version of the group). */
const BUILTIN: ReadonlyMap<string, ReplicaRule> = new Map([
  ['apps/Deployment', SPEC_REPLICAS],
  ['apps/ReplicaSet', SPEC_REPLICAS],
  ['apps/StatefulSet', SPEC_REPLICAS],
  ['batch/Job', JOB_PARALLELISM],
]);

/** The group of an apiVersion (`apps/v1` → `apps`, `v1` → ``). */
export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

/** The built-in replica rule of an object's kind, if it has one. */
export function builtinReplicaRule(
  obj: Pick<KubeObject, 'apiVersion' | 'kind'>,
): ReplicaRule | undefined {
  return BUILTIN.get(`${groupOf(obj.apiVersion)}/${obj.kind}`);
}

/** True for a `batch` Job. */
export const isJob = (obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean =>
  obj.kind === 'Job' && groupOf(obj.apiVersion) === 'batch';

/**
 * Each cluster's share of a Job's `spec.completions`: the total divided by the replicas
 * (parallelism) each cluster got, largest remainder first — 6 completions over parallelism 1:1
 * → 3 and 3. Undefined when `tmpl` is not a Job with completions (a work-queue Job ends when any
 * pod succeeds: each member's copy keeps the template's unset completions).
 */
export function divideJobCompletions(
  tmpl: KubeObject,
  clusters: readonly { name: string; replicas?: number }[],
): Map<string, number> | undefined {
  const completions = specOf(tmpl).completions;
  if (!isJob(tmpl) || typeof completions !== 'number') return undefined;
  const weights = clusters.map((c) => ({ name: c.name, weight: c.replicas ?? 0 }));
  const out = divideByWeight(completions, weights);
  for (const c of clusters) if (!out.has(c.name)) out.set(c.name, 0);
  return out;
}

/** Job label the API server puts on a generated selector and on the pod template. */
const GENERATED_JOB_LABELS = [
  'batch.kubernetes.io/controller-uid',
  'controller-uid',
  'batch.kubernetes.io/job-name',
  'job-name',
];

/**
 * A member's copy of a Job without the selector and pod labels the federation's API server
 * generated from the template's uid (unless `manualSelector`): each member generates its own from
 * its copy's uid, as Kubernetes requires (Karmada prunes them the same way). Mutates `copy`.
 */
export function pruneGeneratedJobSelector(copy: KubeObject): void {
  if (!isJob(copy)) return;
  const spec = specOf(copy);
  if (spec.manualSelector === true) return;
  delete spec.selector;
  const template = spec.template as { metadata?: { labels?: Record<string, string> } } | undefined;
  const labels = template?.metadata?.labels;
  if (labels) for (const l of GENERATED_JOB_LABELS) delete labels[l];
}
