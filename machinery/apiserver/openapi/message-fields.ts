/**
 * The JSON view of a protobuf message schema: its fields by JSON name, with embedded
 * (`json:",inline"`) structs merged in, as both the OpenAPI generator and the unknown-field finder
 * walk it. One walk of the same tables the protobuf decoder uses, so the three never disagree.
 */
import { messageInfo, type FieldSpec, type Schema, type ValueType } from '../protobuf/schema.js';

/** A message's fields by JSON name and whether it accepts fields it does not list. */
export interface MessageFields {
  fields: ReadonlyMap<string, FieldSpec>;
  /** Unlisted fields are accepted (the Go type has more fields, or none are described). */
  open: boolean;
}

const cache = new WeakMap<Schema, MessageFields>();

/** The message a value type names, or undefined for a scalar. */
export function messageOf(type: ValueType): Schema | undefined {
  return typeof type === 'function' ? type() : undefined;
}

/**
 * The JSON fields of a message, embedded structs merged in. A message that lists no field (a
 * `status` the server writes) is open; so is one marked open, or one embedding an open one.
 */
export function messageFields(schema: Schema): MessageFields {
  const hit = cache.get(schema);
  if (hit) return hit;
  const fields = new Map<string, FieldSpec>();
  let open = messageInfo(schema)?.open === true;
  for (const spec of Object.values(schema)) {
    const inner = spec.inline ? messageOf(spec.type) : undefined;
    if (inner) {
      const nested = messageFields(inner);
      for (const [name, f] of nested.fields) fields.set(name, f);
      open ||= nested.open;
    } else {
      fields.set(spec.name, spec);
    }
  }
  const out = { fields, open: open || fields.size === 0 };
  cache.set(schema, out);
  return out;
}
