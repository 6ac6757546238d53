import { createHash } from 'node:crypto';
import type { OwnerReference } from '../../machinery/meta.js';
import type { Pod, PodTemplateSpec, ReplicaSet } from '../../api/index.js';

/** Label carrying the template hash on ReplicaSets and pods of a Deployment. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Annotation with a Deployment revision. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * Drops what Go would treat as zero values (null, empty objects) and sorts keys, so that templates
 * that differ only in how a client spelled nothing (kubectl sends `creationTimestamp: null`,
 * `resources: {}`) compare and hash the same.
 */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const c = canonical((v as Record<string, unknown>)[k]);
    if (c === null || c === undefined) continue;
    if (typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue;
    out[k] = c;
  }
  return out;
}

/** The template without the pod-template-hash label, in canonical form. */
function withoutHash(t: PodTemplateSpec): unknown {
  const c = structuredClone(t);
  if (c.metadata?.labels) {
    const { [POD_TEMPLATE_HASH]: _h, ...rest } = c.metadata.labels;
    c.metadata.labels = rest;
  }
  return canonical(c);
}

/** True when two templates are equal ignoring the pod-template-hash label (Kubernetes' EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return JSON.stringify(withoutHash(a)) === JSON.stringify(withoutHash(b));
}

/** A short stable hash of a pod template (like Kubernetes' ComputeHash), ignoring zero values and the hash label. */
export function templateHash(t: PodTemplateSpec): string {
  const h = createHash('sha256')
    .update(JSON.stringify(withoutHash(t)))
    .digest('hex');
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) {
    out += alphabet[parseInt(h.slice(i * 2, i * 2 + 2), 16) % alphabet.length] ?? 'b';
  }
  return out;
}

/** The controller owner reference for `owner`. */
export function controllerRef(owner: {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; uid?: string };
}): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The uid of an object's controller, if any. */
export function controllerUid(obj: {
  metadata: { ownerReferences?: OwnerReference[] };
}): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

/** A new pod for a ReplicaSet. */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = structuredClone(rs.spec.template);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name ?? 'pod'}-`,
      namespace: rs.metadata.namespace ?? 'default',
      labels: t.metadata?.labels ?? {},
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [controllerRef(rs)],
    },
    spec: t.spec,
  };
}

/** True when the pod's Ready condition is True. */
export function isPodReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** True for pods that count toward replicas (not terminating, not finished). */
export function isPodActive(p: Pod): boolean {
  return (
    p.metadata.deletionTimestamp === undefined &&
    p.status?.phase !== 'Succeeded' &&
    p.status?.phase !== 'Failed'
  );
}
