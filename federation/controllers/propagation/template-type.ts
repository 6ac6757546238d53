import { objectKey, type GroupVersionResource, type KubeObject } from '../../../machinery/meta.js';

/** A resource the federation propagates. */
export interface TemplateType {
  gvr: GroupVersionResource;
  kind: string;
  apiVersion: string;
  /** Has a status subresource to aggregate into. */
  status: boolean;
  /**
   * A custom resource kind: the name of the CustomResourceDefinition that serves it (at the
   * federation, and in a member before its objects can be written there).
   */
  crd?: string;
}

/** What writing a template into one member came to. */
export interface ApplyResult {
  cluster: string;
  applied: boolean;
  /** Not attempted yet (queued for the member): neither success nor failure. */
  pending?: boolean;
  message?: string;
  object?: KubeObject;
}

/** The propagation controller's work-queue key of a template: `<group>/<resource>|<ns>/<name>`. */
export const templateKey = (t: TemplateType, obj: KubeObject): string =>
  `${t.gvr.group}/${t.gvr.resource}|${objectKey(obj)}`;

/**
 * The namespace of a template's ResourceBinding: the template's, or `default` for cluster-scoped
 * templates (bindings are namespaced).
 */
export const bindingNamespace = (tmpl: KubeObject): string => tmpl.metadata.namespace ?? 'default';

/** The name of a template's ResourceBinding: `<name>-<kind>`. */
export const bindingName = (t: TemplateType, tmpl: KubeObject): string =>
  `${tmpl.metadata.name ?? ''}-${t.kind.toLowerCase()}`;

/** The work-queue key (`<namespace>/<name>`) of a template's ResourceBinding. */
export const bindingKey = (t: TemplateType, tmpl: KubeObject): string =>
  `${bindingNamespace(tmpl)}/${bindingName(t, tmpl)}`;

/** The kind of `key` (a {@link templateKey}) among `types`. */
export function typeOfKey(types: readonly TemplateType[], key: string): TemplateType | undefined {
  const g = key.split('|')[0];
  return types.find((t) => `${t.gvr.group}/${t.gvr.resource}` === g);
}
