/**
 * The resource interpreter's built-in `Retain` operation (Karmada's default interpreter
 * `retain.go`): when the federation writes its copy over the object a member holds, the fields
 * the member owns are kept — a Service's allocated clusterIP, and the replicas of a Deployment,
 * ReplicaSet or StatefulSet that the member autoscales (a HorizontalPodAutoscaler in the member
 * targets it) or whose template asks for it with {@link LABEL_RETAIN_REPLICAS}. Pure functions,
 * one rule per kind; the writer applies whatever rule the kind has.
 */
import type { KubeObject } from '../../machinery/meta.js';
import type { HorizontalPodAutoscaler } from '../../api/index.js';
import { groupOf, SPEC_REPLICAS } from './builtin-replicas.js';

/**
 * Label on a template (Karmada's `resourcetemplate.karmada.io/retain-replicas`): `"true"` keeps
 * each member's own `spec.replicas` (something in the member scales it) instead of the
 * federation's.
 */
export const LABEL_RETAIN_REPLICAS = 'resourcetemplate.flotilla.io/retain-replicas';

/** What a retain rule may know of the member besides the object itself. */
export interface RetainContext {
  /** The member's HorizontalPodAutoscalers in the object's namespace (empty when none). */
  autoscalers: readonly HorizontalPodAutoscaler[];
}

/** A kind's retain rule: `desired` with the member-owned fields of `observed` (never mutates). */
type RetainRule = (desired: KubeObject, observed: KubeObject, ctx: RetainContext) => KubeObject;

type Spec = Record<string, unknown>;
const specOf = (obj: KubeObject): Spec | undefined =>
  obj.spec !== null && typeof obj.spec === 'object' ? (obj.spec as Spec) : undefined;

/** True when one of `autoscalers` scales `obj` (same group, kind and name). */
export function isAutoscaled(
  obj: KubeObject,
  autoscalers: readonly HorizontalPodAutoscaler[],
): boolean {
  return autoscalers.some((h) => {
    const ref = h.spec.scaleTargetRef;
    return (
      ref.kind === obj.kind &&
      ref.name === obj.metadata.name &&
      groupOf(ref.apiVersion ?? '') === groupOf(obj.apiVersion)
    );
  });
}

/** Replicas: the member's, while the member autoscales the object or the template says so. */
const retainReplicas: RetainRule = (desired, observed, ctx) => {
  const retain =
    desired.metadata.labels?.[LABEL_RETAIN_REPLICAS] === 'true' ||
    isAutoscaled(observed, ctx.autoscalers);
  const have = specOf(observed)?.replicas;
  if (!retain || typeof have !== 'number' || !specOf(desired)) return desired;
  return SPEC_REPLICAS.revise(desired, have);
};

/** A Service's clusterIP(s): allocated by the member, never the federation's. */
const retainClusterIp: RetainRule = (desired, observed) => {
  const have = specOf(observed);
  const want = specOf(desired);
  if (!have || !want || (have.clusterIP === undefined && have.clusterIPs === undefined)) {
    return desired;
  }
  const spec: Spec = { ...want };
  if (have.clusterIP !== undefined) spec.clusterIP = have.clusterIP;
  if (have.clusterIPs !== undefined) spec.clusterIPs = have.clusterIPs;
  return { ...desired, spec };
};

/** The built-in rules by `<group>/<kind>` (any version of the group). */
const BUILTIN_RETAIN: ReadonlyMap<string, RetainRule> = new Map([
  ['apps/Deployment', retainReplicas],
  ['apps/ReplicaSet', retainReplicas],
  ['apps/StatefulSet', retainReplicas],
  ['/Service', retainClusterIp],
]);

const ruleOf = (obj: Pick<KubeObject, 'apiVersion' | 'kind'>): RetainRule | undefined =>
  BUILTIN_RETAIN.get(`${groupOf(obj.apiVersion)}/${obj.kind}`);

/**
 * True when the kind's retain rule reads the member's autoscalers (so a writer lists them only
 * for these kinds).
 */
export function retainsAutoscaledReplicas(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return ruleOf(obj) === retainReplicas;
}

/**
 * `desired` with the fields the member owns taken from `observed` (the kind's built-in rule);
 * `desired` itself when the kind has none. Never mutates either.
 */
export function retainMemberFields(
  desired: KubeObject,
  observed: KubeObject,
  ctx: RetainContext,
): KubeObject {
  const rule = ruleOf(desired);
  return rule ? rule(desired, observed, ctx) : desired;
}
