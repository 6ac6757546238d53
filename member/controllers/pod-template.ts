import { createHash } from 'node:crypto';
import type { OwnerReference } from '../../federation/apis/meta.js';
import type { Pod, PodTemplateSpec, ReplicaSet } from '../apis/index.js';

/** Label carrying the template hash on ReplicaSets and pods of a Deployment. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Annotation with a Deployment revision. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** A short stable hash of a pod template (like Kubernetes' ComputeHash). */
export function templateHash(t: PodTemplateSpec): string {
  const h = createHash('sha256').update(JSON.stringify(t)).digest('hex');
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[parseInt(h.slice(i * 2, i * 2 + 2), 16) % alphabet.length] ?? 'b';
  return out;
}

/** The controller owner reference for `owner`. */
export function controllerRef(owner: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } }): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** The uid of an object's controller, if any. */
export function controllerUid(obj: { metadata: { ownerReferences?: OwnerReference[] } }): string | undefined {
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
  return p.metadata.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}
