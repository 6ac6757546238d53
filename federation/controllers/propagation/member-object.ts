import type { KubeObject } from '../../../machinery/meta.js';
import { REVISION_ANNOTATION } from '../../../api/index.js';
import {
  builtinReplicaRule,
  pruneGeneratedJobSelector,
  SPEC_REPLICAS,
} from '../../interpreter/builtin-replicas.js';

/** Label marking objects the federation manages in a member. */
export const LABEL_MANAGED_BY = 'federation.flotilla.io/managed-by';
/** Label naming the federation template (`<kind>.<namespace>.<name>`). */
export const LABEL_TEMPLATE = 'federation.flotilla.io/template';
/** Annotation with the template generation that was applied. */
export const ANNOTATION_GENERATION = 'federation.flotilla.io/template-generation';
/** The value of LABEL_MANAGED_BY. */
export const MANAGER = 'flotilla-federation';
/** Selects the member objects the federation manages (the member caches hold only these). */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGER}`;

/**
 * The object to write into a member: the template without the fields the federation's API server
 * owns (uid, resourceVersion, timestamps, finalizers, owner references, status), plus management
 * labels. Fields a member allocates itself (Service clusterIP, a Job's generated selector) are
 * left to the member. `replicas` are set by the kind's built-in replica rule (`spec.parallelism`
 * of a Job, else `spec.replicas`); the propagation revises customized kinds before (see
 * `revisedTemplates`) and passes none.
 */
export function memberCopy(tmpl: KubeObject, replicas: number | undefined): KubeObject {
  const m = tmpl.metadata;
  const annotations = { ...(m.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  // the federation's revision history numbers its own revisions; a member's are its controller's
  delete annotations[REVISION_ANNOTATION];
  annotations[ANNOTATION_GENERATION] = String(m.generation ?? 1);
  const out: KubeObject = {
    ...structuredClone(tmpl),
    metadata: {
      name: m.name ?? '',
      ...(m.namespace ? { namespace: m.namespace } : {}),
      labels: {
        ...(m.labels ?? {}),
        [LABEL_MANAGED_BY]: MANAGER,
        [LABEL_TEMPLATE]: `${tmpl.kind.toLowerCase()}.${m.namespace ?? ''}.${m.name ?? ''}`,
      },
      annotations,
    },
  };
  delete out.status;
  if (tmpl.kind === 'Service' && out.spec && typeof out.spec === 'object') {
    const spec = out.spec as Record<string, unknown>;
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  pruneGeneratedJobSelector(out);
  if (replicas !== undefined && out.spec && typeof out.spec === 'object') {
    return (builtinReplicaRule(out) ?? SPEC_REPLICAS).revise(out, replicas);
  }
  return out;
}

/**
 * True when every field of `want` has the same value in `have` (maps compared recursively, lists
 * element by element). Fields a member adds by defaulting do not count as drift; a changed or
 * removed field does.
 */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === null || typeof want !== 'object') return want === have;
  if (Array.isArray(want)) {
    return (
      Array.isArray(have) &&
      want.length === have.length &&
      want.every((w, i) => isSubset(w, have[i]))
    );
  }
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
  return Object.entries(want).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
}

/** True when the member object is managed by the federation. */
export function isManaged(obj: KubeObject): boolean {
  return obj.metadata.labels?.[LABEL_MANAGED_BY] === MANAGER;
}
