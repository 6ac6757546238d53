/**
 * A template's specification: the object without what the federation or the API server writes
 * on its own (status, resourceVersion, managedFields, generation, the Deployment revision the
 * federation's history controller numbers, which no member copy carries). Karmada's detector
 * reacts to a template only when this changed; here too, so the status the binding controller
 * writes back, or a revision number, does not go round the pipeline again.
 */
import { createHash } from 'node:crypto';
import { REVISION_ANNOTATION } from '../../../api/index.js';
import type { KubeObject } from '../../../machinery/meta.js';

/** The specification of `obj` (a copy). */
function specification(obj: KubeObject): unknown {
  const { status: _status, ...rest } = obj as KubeObject & { status?: unknown };
  const {
    resourceVersion: _rv,
    managedFields: _mf,
    generation: _gen,
    ...meta
  } = rest.metadata as KubeObject['metadata'] & { managedFields?: unknown; generation?: unknown };
  if (meta.annotations?.[REVISION_ANNOTATION] !== undefined) {
    const { [REVISION_ANNOTATION]: _revision, ...annotations } = meta.annotations;
    // as if never there: no empty map where there was none
    if (Object.keys(annotations).length > 0) meta.annotations = annotations;
    else delete meta.annotations;
  }
  return { ...rest, metadata: meta };
}

/** A digest of `obj`'s specification (equal digests: only status or bookkeeping changed). */
export function specificationDigest(obj: KubeObject): string {
  return createHash('sha256')
    .update(JSON.stringify(specification(obj)))
    .digest('base64url');
}

/** True when `n` differs from `o` in more than status and bookkeeping. */
export function specificationChanged(o: KubeObject, n: KubeObject): boolean {
  return JSON.stringify(specification(o)) !== JSON.stringify(specification(n));
}
