/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition, served by member and federation API servers.
 * The shapes and the structural-schema machinery are in machinery/apiextensions/ (the serving
 * side reads them); this is the served kind: defaults, validation and `kubectl get crd` columns.
 */
import {
  CRD_CLEANUP_FINALIZER,
  validateCrd,
  type CustomResourceDefinition,
} from '../machinery/apiextensions/index.js';
import type { GroupVersionResource } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';

export type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionSpec,
  CustomResourceDefinitionStatus,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
} from '../machinery/apiextensions/index.js';
export { CRD_CLEANUP_FINALIZER } from '../machinery/apiextensions/index.js';

/** apiextensions.k8s.io/v1 customresourcedefinitions. */
export const CUSTOM_RESOURCE_DEFINITIONS: GroupVersionResource = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  resource: 'customresourcedefinitions',
};

/** Fills what kube-apiserver defaults: singular and listKind, served/storage flags, the finalizer. */
function defaultCrd(crd: CustomResourceDefinition): void {
  const spec = crd.spec as Partial<CustomResourceDefinition['spec']> | undefined;
  if (!spec || typeof spec !== 'object') return;
  const names = spec.names;
  if (names && typeof names === 'object' && typeof names.kind === 'string') {
    names.singular ??= names.kind.toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  // the cleanup finalizer on create: a deleted CRD waits until its objects are gone
  if (crd.metadata.resourceVersion === undefined && crd.metadata.deletionTimestamp === undefined) {
    const f = crd.metadata.finalizers ?? [];
    if (!f.includes(CRD_CLEANUP_FINALIZER)) crd.metadata.finalizers = [...f, CRD_CLEANUP_FINALIZER];
  }
}

/** `customresourcedefinition` resource type. */
export const customResourceDefinitionType: ResourceType<CustomResourceDefinition> = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: { status: true },
  defaults: defaultCrd,
  validate: (o, old) => validateCrd(o, old),
  printerColumns: [
    { name: 'Created At', type: 'date', value: (o) => o.metadata.creationTimestamp },
  ],
};
