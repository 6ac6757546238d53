/**
 * The definition of each served kind: from its protobuf message schema when the server has one,
 * else a minimal object (apiVersion, kind, metadata) that keeps every other field
 * (`x-kubernetes-preserve-unknown-fields`), as a CRD without a structural schema.
 */
import { resourceApiVersion, type ResourceType } from '../../resource-type.js';
import { objectMeta } from '../protobuf/meta-schemas.js';
import { kindSchema } from '../protobuf/index.js';
import type { Schema } from '../protobuf/schema.js';
import type { DefinitionBuilder, MergeKeyIndex, OpenApiSchema } from './definitions.js';
import { messageFields, messageOf } from './message-fields.js';

const TYPE_META: Record<string, OpenApiSchema> = {
  apiVersion: {
    type: 'string',
    description: 'The versioned schema of this object, e.g. apps/v1.',
  },
  kind: {
    type: 'string',
    description: 'The kind of object this is, in CamelCase, e.g. Deployment.',
  },
};

/** `x-kubernetes-group-version-kind` of a resource type. */
export function gvkOf(rt: ResourceType): { group: string; version: string; kind: string } {
  return { group: rt.group, version: rt.version, kind: rt.kind };
}

/** The message schema of a served kind, if the server has one. */
export function schemaOf(rt: ResourceType): Schema | undefined {
  return kindSchema(resourceApiVersion(rt), rt.kind);
}

/**
 * A Kubernetes-style definition name for a kind without a message schema: built-in groups as
 * `io.k8s.api.<group>.<version>.<Kind>`, others with the group reversed (as for CRDs).
 */
export function fallbackDefinitionName(rt: ResourceType): string {
  const builtIn = rt.group === '' || !rt.group.includes('.') || rt.group.endsWith('.k8s.io');
  const group = builtIn
    ? `io.k8s.api.${rt.group === '' ? 'core' : (rt.group.split('.')[0] ?? rt.group)}`
    : rt.group.split('.').reverse().join('.');
  return `${group}.${rt.version}.${rt.kind}`;
}

function addGvk(def: OpenApiSchema, rt: ResourceType): void {
  const list = (def['x-kubernetes-group-version-kind'] ?? []) as unknown[];
  const gvk = gvkOf(rt);
  if (!list.some((x) => JSON.stringify(x) === JSON.stringify(gvk))) list.push(gvk);
  def['x-kubernetes-group-version-kind'] = list;
}

/** Adds a served kind's definition to `b` and returns its name. */
export function addKindDefinition(b: DefinitionBuilder, rt: ResourceType): string {
  if (rt.openApiSchema) return addSchemaDefinition(b, rt, rt.openApiSchema);
  const schema = schemaOf(rt);
  if (schema) {
    const named = b.addMessage(schema, (def) => {
      def.properties = { ...TYPE_META, ...(def.properties as object | undefined) };
      addGvk(def, rt);
    });
    if (typeof named === 'string') return named;
  }
  const name = fallbackDefinitionName(rt);
  const meta = b.addMessage(objectMeta);
  const def: OpenApiSchema = b.definitions.get(name) ?? {
    type: 'object',
    description: `${rt.kind}: this server does not describe its fields beyond metadata.`,
    properties: {
      ...TYPE_META,
      metadata: typeof meta === 'string' ? b.ref(meta) : meta,
    },
    'x-kubernetes-preserve-unknown-fields': true,
  };
  addGvk(def, rt);
  b.definitions.set(name, def);
  return name;
}

/** A custom resource's definition: its CRD schema with apiVersion, kind and ObjectMeta. */
function addSchemaDefinition(
  b: DefinitionBuilder,
  rt: ResourceType,
  schema: Record<string, unknown>,
): string {
  const name = fallbackDefinitionName(rt);
  const meta = b.addMessage(objectMeta);
  const def: OpenApiSchema = structuredClone(schema);
  def.properties = {
    ...TYPE_META,
    ...(def.properties as object | undefined),
    metadata: typeof meta === 'string' ? b.ref(meta) : meta,
  };
  addGvk(def, rt);
  b.definitions.set(name, def);
  return name;
}

/**
 * Whether every message a kind reaches lists all its fields: only then may kubectl compute
 * strategic merge patches from the published schema (it fails on a field the schema lacks).
 */
export function isClosed(schema: Schema, seen = new Set<Schema>()): boolean {
  if (seen.has(schema)) return true;
  seen.add(schema);
  const { fields, open } = messageFields(schema);
  if (open) return false;
  for (const f of fields.values()) {
    const inner = messageOf(f.type);
    if (inner && !isClosed(inner, seen)) return false;
  }
  return true;
}

/**
 * Where each served kind's strategic-merge-patch list keys ({@link ResourceType.patchMergeKeys},
 * by JSON path) land in the message schemas, so the documents show the keys the server merges by.
 */
export function mergeKeyIndex(types: readonly ResourceType[]): MergeKeyIndex {
  const index = new Map<Schema, Map<string, string>>();
  for (const rt of types) {
    const root = schemaOf(rt);
    if (!root) continue;
    for (const [path, key] of Object.entries(rt.patchMergeKeys ?? {})) {
      const parts = path.split('.').filter((p) => p !== '');
      let msg: Schema | undefined = root;
      for (const [i, part] of parts.entries()) {
        if (!msg) break;
        const spec = messageFields(msg).fields.get(part);
        if (!spec) break;
        if (i === parts.length - 1) {
          const byField = index.get(msg) ?? new Map<string, string>();
          byField.set(part, key);
          index.set(msg, byField);
          break;
        }
        msg = messageOf(spec.type);
      }
    }
  }
  return index;
}
