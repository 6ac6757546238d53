/**
 * Pod-template identity shared by the member's Deployment controller and the federation's
 * revision history: Kubernetes' `pod-template-hash` (ComputeHash), EqualIgnoreHash, the
 * `deployment.kubernetes.io/revision` annotation and controller owner references.
 */
import { createHash } from 'node:crypto';
import type { OwnerReference } from '../machinery/meta.js';
import type { PodTemplateSpec } from './core-types.js';

/** Label carrying the template hash on ReplicaSets and pods of a Deployment. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** Annotation with a Deployment revision. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Annotation `kubectl rollout history` shows as CHANGE-CAUSE. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

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

/** The `deployment.kubernetes.io/revision` of a ReplicaSet (or Deployment); 0 when unset or invalid. */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const n = Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}
