/**
 * Pruning and defaulting of custom objects by their structural schema, as kube-apiserver does on
 * every write: fields the schema does not specify are dropped (unless
 * `x-kubernetes-preserve-unknown-fields` keeps them), then absent fields with a `default` are
 * filled. The root's apiVersion, kind and metadata are always kept.
 */
import type { JSONSchemaProps } from './crd-types.js';
import { childPath } from './schema-validation.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ROOT_KEPT = new Set(['apiVersion', 'kind', 'metadata']);

function pruneValue(s: JSONSchemaProps, v: unknown, path: string, out: string[]): void {
  if (Array.isArray(v)) {
    if (s.items) {
      const items = s.items;
      v.forEach((item, i) => {
        pruneValue(items, item, `${path}[${String(i)}]`, out);
      });
    }
    return;
  }
  if (!isObject(v)) return;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  for (const [k, item] of Object.entries(v)) {
    const prop = s.properties?.[k];
    if (prop) {
      pruneValue(prop, item, childPath(path, k), out);
    } else if (isObject(s.additionalProperties)) {
      pruneValue(s.additionalProperties, item, `${path}[${k}]`, out);
    } else if (
      s['x-kubernetes-preserve-unknown-fields'] !== true &&
      s.additionalProperties !== true &&
      !(embedded && ROOT_KEPT.has(k))
    ) {
      delete v[k];
      out.push(childPath(path, k));
    }
  }
}

/**
 * Drops the fields of `obj` (in place) that `schema` does not specify.
 * @returns the dropped fields' paths (`spec.foo`), for strict field validation
 */
export function pruneObject(schema: JSONSchemaProps, obj: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && !schema.properties) return out;
  for (const [k, item] of Object.entries(obj)) {
    if (ROOT_KEPT.has(k)) continue;
    const prop = schema.properties?.[k];
    if (prop) pruneValue(prop, item, k, out);
    else if (schema['x-kubernetes-preserve-unknown-fields'] !== true) {
      delete obj[k];
      out.push(k);
    }
  }
  return out;
}

/** The fields of `obj` that pruning would drop (nothing is changed). */
export function unknownFields(schema: JSONSchemaProps, obj: unknown): string[] {
  if (!isObject(obj)) return [];
  return pruneObject(schema, structuredClone(obj));
}

function defaultValue(s: JSONSchemaProps, v: unknown): void {
  if (Array.isArray(v)) {
    if (s.items) for (const item of v) defaultValue(s.items, item);
    return;
  }
  if (!isObject(v)) return;
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    if (v[k] === undefined && prop.default !== undefined) v[k] = structuredClone(prop.default);
    // a default of null is kept only where null is allowed
    if (v[k] === null && prop.nullable !== true && prop.default !== undefined) {
      v[k] = structuredClone(prop.default);
    }
    if (v[k] !== undefined) defaultValue(prop, v[k]);
  }
  if (isObject(s.additionalProperties)) {
    for (const item of Object.values(v)) defaultValue(s.additionalProperties, item);
  }
}

/** Fills absent fields that have a `default` in `schema` (in place; the root's metadata aside). */
export function defaultObject(schema: JSONSchemaProps, obj: Record<string, unknown>): void {
  const { metadata: _m, ...props } = schema.properties ?? {};
  defaultValue({ ...schema, properties: props }, obj);
}
