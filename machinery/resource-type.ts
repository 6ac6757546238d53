import type { KubeObject, StatusCause } from './meta.js';

/** Where the scale subresource finds replicas and selector in the object (JSON paths like `.spec.replicas`). */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** Who writes an update and through which endpoint, for {@link ResourceType.admitUpdate}. */
export interface UpdateAdmissionContext {
  operation: 'UPDATE';
  /** Authenticated user; undefined when the caller did not pass one (untrusted). */
  user: string | undefined;
  /** `status`, a custom subresource name (e.g. `approval`), or undefined for the main resource. */
  subresource: string | undefined;
}

/** One column of the kubectl Table output for a resource. */
export interface PrinterColumn<T extends KubeObject = KubeObject> {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean';
  value: (obj: T) => string | number | boolean | undefined;
  priority?: number;
}

/**
 * Describes one served resource type: its identity (group/version/kind/plural), scope, subresources
 * and the strategy hooks (defaults, validation, field selectors) the generic registry applies.
 * Every area (member/, federation/, registry/) defines its types as `ResourceType` values and hands
 * them to the generic API server; nothing else is needed to serve CRUD, watch, patch and discovery.
 */
export interface ResourceType<T extends KubeObject = KubeObject> {
  group: string;
  version: string;
  kind: string;
  /** Plural lower-case resource name used in URLs, e.g. `deployments`. */
  plural: string;
  /** Singular lower-case name, e.g. `deployment`. */
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: {
    /** `/status` is served; main-resource writes ignore `.status`, status writes ignore everything else. */
    status?: boolean;
    scale?: ScaleSubresource;
  };
  /** Fills defaults in place (before validation, on create and update). */
  defaults?: (obj: T) => void;
  /**
   * The rule for `metadata.name` when it is not a DNS-1123 subdomain (RBAC names such as
   * `system:node` are path segments). @defaultValue DNS-1123 subdomain
   */
  validateName?: (name: string) => StatusCause[];
  /** Returns every validation problem at once; empty when valid. `old` is set on update. */
  validate?: (obj: T, old: T | undefined) => StatusCause[];
  /**
   * Admission on create with the authenticated user (e.g. stamping who asked). Throw ApiErrors
   * (ForbiddenError) to refuse.
   */
  admit?: (obj: T, ctx: { user: string; operation: 'CREATE' }) => void;
  /**
   * Admission on update (main resource, `status` and custom subresources): gets the object as it
   * would be stored (bookkeeping and status separation done, before validation) and the stored one.
   * `user` is undefined when the caller did not say who writes; a hook must treat that as an
   * untrusted writer. Throw ApiErrors (ForbiddenError) to refuse.
   */
  admitUpdate?: (obj: T, old: T, ctx: UpdateAdmissionContext) => void;
  /**
   * Graceful deletion (Kubernetes' `RESTGracefulDeleteStrategy`, pods): the grace period in seconds
   * a DELETE of `obj` gets, from `requested` (DeleteOptions.gracePeriodSeconds, undefined when the
   * client did not say; never negative). A positive period marks the object with
   * deletionTimestamp = now + period and deletionGracePeriodSeconds, and whoever runs it (the
   * kubelet) removes it with a DELETE of period 0; later DELETEs may only shorten it. 0 removes at
   * once. Types without it are always removed at once (finalizers aside).
   */
  gracefulDeletion?: (obj: T, requested: number | undefined) => number;
  /** Extra field-selector keys beyond `metadata.name` / `metadata.namespace`. */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;
  /** Strategic-merge-patch list merge keys by JSON path, e.g. `{'.spec.template.spec.containers': 'name'}`. */
  patchMergeKeys?: Record<string, string>;
  /** Extra kubectl table columns (NAME and AGE are always present). */
  printerColumns?: PrinterColumn<T>[];
  /**
   * Whether strategic merge patches are served; custom resources answer them with 415, as
   * Kubernetes does. @defaultValue true
   */
  strategicMergePatch?: boolean;
  /**
   * The fields of a request body this type does not know (paths like `spec.foo`), for strict field
   * validation of types without a message schema (custom resources: what pruning would drop).
   */
  unknownFields?: (obj: unknown) => string[];
  /** The type's OpenAPI v3 schema (a CRD version's openAPIV3Schema) for the OpenAPI documents. */
  openApiSchema?: Record<string, unknown>;
  /** Set on the types of CustomResourceDefinitions (served and removed at run time). */
  customResource?: { crdName: string };
  /**
   * Set on a second API version of objects stored as another type (kube-apiserver's
   * `events.k8s.io/v1` Events over the core/v1 ones): the same keys, converted on every read and
   * write, so both versions see one object.
   */
  storageConversion?: StorageConversion;
}

/**
 * Conversion between the objects a type serves and the ones its storage holds (another version).
 * Both directions keep `metadata` as it is (resourceVersion included) and must round-trip.
 */
export interface StorageConversion {
  /** The served object as it is stored (apiVersion and kind of the storage version). */
  toStorage(obj: KubeObject): KubeObject;
  /** A stored object as this type serves it. */
  fromStorage(obj: KubeObject): KubeObject;
}

/** `apiVersion` for a resource type. */
export function resourceApiVersion(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group === '' ? rt.version : `${rt.group}/${rt.version}`;
}
