/**
 * The little of a type's schema server-side apply needs: how each list merges (associative by key
 * fields, a set of scalars, or atomic) and which maps are atomic. Built-in types take it from their
 * strategic-merge-patch keys (`ResourceType.patchMergeKeys` and the field-name defaults, as
 * kube-apiserver takes `x-kubernetes-list-map-keys` from the same Go tags); custom resources from the
 * `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` / `x-kubernetes-map-type` extensions of
 * their OpenAPI schema. Anything else is atomic, as in Kubernetes.
 */
import type { ResourceType } from '../../resource-type.js';
import { mergeKeyLookup } from '../strategic-merge-patch.js';

/** How a list merges and how its items are named in field paths. */
export type ListSemantics =
  { type: 'map'; keys: readonly string[] } | { type: 'set' } | { type: 'atomic' };

/**
 * Answers for a path in schema form: `.spec.template.spec.containers` (list items take their
 * list's path, as in `ResourceType.patchMergeKeys`).
 */
export interface ApplySchema {
  /** The semantics of the list at `path` (its field name is `field`). */
  list(path: string, field: string): ListSemantics;
  /** Whether the map at `path` is replaced as a whole (`x-kubernetes-map-type: atomic`). */
  atomicMap(path: string): boolean;
}

const ATOMIC: ListSemantics = { type: 'atomic' };

/** Lists of scalars that are sets in every built-in type (`+listType=set`). */
const BUILT_IN_SETS = new Set(['.metadata.finalizers']);

/** Atomic maps of the built-in types: label selectors and Service selectors (`+mapType=atomic`). */
const BUILT_IN_ATOMIC_MAPS = new Set(['.spec.selector']);

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The schema of a built-in type: list map keys from its strategic merge keys. */
export function builtInSchema(patchMergeKeys: Record<string, string> = {}): ApplySchema {
  const lookup = mergeKeyLookup(patchMergeKeys);
  return {
    list(path, field) {
      if (BUILT_IN_SETS.has(path)) return { type: 'set' };
      if (path === '.metadata.ownerReferences') return { type: 'map', keys: ['uid'] };
      const key = lookup(path, field);
      return key === undefined ? ATOMIC : { type: 'map', keys: [key] };
    },
    atomicMap: (path) => BUILT_IN_ATOMIC_MAPS.has(path),
  };
}

/** The node of an OpenAPI v3 schema at a schema path, following properties and list items. */
function schemaAt(
  root: Record<string, unknown>,
  path: string,
): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined = root;
  for (const part of path.split('.').slice(1)) {
    while (node && node.type === 'array' && isMap(node.items)) node = node.items;
    const props: unknown = node?.properties;
    const next: unknown = isMap(props) ? props[part] : node?.additionalProperties;
    node = isMap(next) ? next : undefined;
  }
  return node;
}

/** The schema of a custom resource from the `x-kubernetes-*` extensions of its OpenAPI schema. */
export function openApiSchema(root: Record<string, unknown>): ApplySchema {
  const metadata = builtInSchema();
  return {
    list(path, field) {
      if (path.startsWith('.metadata.')) return metadata.list(path, field);
      const node = schemaAt(root, path);
      const type = node?.['x-kubernetes-list-type'];
      const keys = node?.['x-kubernetes-list-map-keys'];
      if (type === 'set') return { type: 'set' };
      if (type === 'map' && Array.isArray(keys) && keys.every((k) => typeof k === 'string')) {
        return { type: 'map', keys };
      }
      return ATOMIC;
    },
    atomicMap: (path) => schemaAt(root, path)?.['x-kubernetes-map-type'] === 'atomic',
  };
}

/** The apply schema of a served type. */
export function applySchemaOf(rt: ResourceType): ApplySchema {
  let schema = schemas.get(rt);
  if (schema === undefined) {
    // without a schema every list and map of a custom resource is atomic or granular by default
    schema =
      rt.customResource !== undefined || rt.strategicMergePatch === false
        ? openApiSchema(rt.openApiSchema ?? {})
        : builtInSchema(rt.patchMergeKeys);
    schemas.set(rt, schema);
  }
  return schema;
}

/** The schema of each type, built on its first write (a type's fields do not change). */
const schemas = new WeakMap<ResourceType, ApplySchema>();
