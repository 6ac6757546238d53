/**
 * Finds fields of a JSON object its message schema does not know, for server-side field
 * validation (KEP-2885). Paths are written as Kubernetes writes them in strict decoding errors:
 * `spec.template.spec.containers[0].imagez`. Open messages (the schema does not list every field
 * of the Go type) and free-form values are not looked into for unknown names; known fields
 * below them still are.
 */
import type { Schema } from '../protobuf/schema.js';
import { messageFields, messageOf } from './message-fields.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

function walk(value: unknown, schema: Schema, path: string, out: string[]): void {
  if (!isObject(value)) return; // a type mismatch is validation's business, not this finder's
  const { fields, open } = messageFields(schema);
  for (const [name, v] of Object.entries(value)) {
    const spec = fields.get(name);
    if (!spec) {
      if (!open) out.push(join(path, name));
      continue;
    }
    const inner = messageOf(spec.type);
    if (!inner || v === null) continue;
    const here = join(path, name);
    if (spec.repeated && Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, inner, `${here}[${String(i)}]`, out);
      });
    } else if (spec.map && isObject(v)) {
      for (const [k, item] of Object.entries(v)) walk(item, inner, `${here}[${k}]`, out);
    } else {
      walk(v, inner, here, out);
    }
  }
}

/**
 * The paths of the fields in `obj` that `schema` (a top-level kind) does not know. `apiVersion`
 * and `kind` are always known at the top.
 */
export function findUnknownFields(obj: unknown, schema: Schema): string[] {
  if (!isObject(obj)) return [];
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  const out: string[] = [];
  walk(rest, schema, '', out);
  return out;
}
