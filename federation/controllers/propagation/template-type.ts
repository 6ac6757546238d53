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
