/**
 * The federation's history ReplicaSets, as Kubernetes' Deployment controller shapes its
 * ReplicaSets: `<deployment>-<pod-template-hash>`, the template with the hash label, the
 * Deployment's annotations (less the ones Kubernetes never copies) and
 * `deployment.kubernetes.io/revision`, a controller owner reference. Only what `kubectl rollout
 * history/undo` reads matters here: they keep `spec.replicas` 0 and run nothing.
 */
import {
  controllerRef,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  templateHash,
  type Deployment,
  type ReplicaSet,
} from '../../../api/index.js';

/**
 * Annotations never copied from a Deployment to its ReplicaSets (Kubernetes' `skipCopyAnnotation`,
 * the same set kubectl's rollback keeps from the Deployment instead of taking from the ReplicaSet).
 */
export const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** The name of the Deployment a ReplicaSet's controller ownerReference names, if it is one. */
export function controllingDeployment(rs: ReplicaSet): string | undefined {
  const ref = rs.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref?.kind === 'Deployment' && ref.apiVersion.startsWith('apps/') ? ref.name : undefined;
}

/** The annotations the current history ReplicaSet of `d` carries, at `revision`. */
export function historyAnnotations(d: Deployment, revision: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (!ANNOTATIONS_TO_SKIP.has(k)) out[k] = v;
  }
  out[REVISION_ANNOTATION] = String(revision);
  return out;
}

/** True when every annotation of `want` is set to the same value on `rs`. */
export function hasAnnotations(rs: ReplicaSet, want: Record<string, string>): boolean {
  const have = rs.metadata.annotations ?? {};
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/** The history ReplicaSet of `d`'s current template at `revision` (0 replicas). */
export function historyReplicaSet(d: Deployment, revision: number): ReplicaSet {
  const hash = templateHash(d.spec.template);
  const template = structuredClone(d.spec.template);
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name ?? ''}-${hash}`,
      namespace: d.metadata.namespace ?? 'default',
      labels: { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
      annotations: historyAnnotations(d, revision),
      // list items may come without apiVersion/kind
      ownerReferences: [controllerRef({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' })],
    },
    spec: {
      replicas: 0,
      selector: {
        ...structuredClone(d.spec.selector),
        matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash },
      },
      template,
    },
  };
}
