/**
 * Which federation objects are a propagated template's dependents rather than templates: those
 * with a controller ownerReference to a kind the federation propagates (a Deployment's history
 * ReplicaSets, see the deployment-history controller). Their owner is propagated, and each
 * member's own controller makes the member's dependents, so copying them too would make two
 * controllers own one member object.
 */
import type { KubeObject } from '../../../machinery/meta.js';
import type { TemplateType } from './template-type.js';

/** True when `obj` is controlled by an object of one of the propagated `types`. */
export function isControlledByTemplate(obj: KubeObject, types: readonly TemplateType[]): boolean {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return (
    ref !== undefined && types.some((t) => t.kind === ref.kind && t.apiVersion === ref.apiVersion)
  );
}
