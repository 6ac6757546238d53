/**
 * The v2 document in gnostic's protobuf form (openapi_v2.Document), which client-go asks for
 * (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). Only what the JSON
 * document holds is encoded: swagger, info and the definitions' schemas; vendor extensions are
 * carried as YAML (JSON is YAML), as gnostic does.
 */
import type { OpenApiSchema } from './definitions.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

const bytesField = (no: number, b: Buffer): Buffer =>
  Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
const strField = (no: number, s: string): Buffer => bytesField(no, Buffer.from(s, 'utf8'));
const boolField = (no: number, v: boolean): Buffer => Buffer.from([no << 3, v ? 1 : 0]);

/** A NamedAny {name=1, value=2 Any {yaml=2}}. */
function namedAny(name: string, value: unknown): Buffer {
  return Buffer.concat([strField(1, name), bytesField(2, strField(2, JSON.stringify(value)))]);
}

/** openapi_v2.Schema. */
export function encodeSchema(s: OpenApiSchema): Buffer {
  const parts: Buffer[] = [];
  const str = (no: number, v: unknown): void => {
    if (typeof v === 'string') parts.push(strField(no, v));
  };
  str(1, s.$ref);
  str(2, s.format);
  str(4, s.description);
  for (const r of (s.required ?? []) as string[]) parts.push(strField(19, r));
  const ap = s.additionalProperties;
  if (ap !== undefined) {
    const item =
      typeof ap === 'boolean' ? boolField(2, ap) : bytesField(1, encodeSchema(ap as OpenApiSchema));
    parts.push(bytesField(21, item));
  }
  if (typeof s.type === 'string') parts.push(bytesField(22, strField(1, s.type)));
  if (s.items !== undefined) {
    parts.push(bytesField(23, bytesField(1, encodeSchema(s.items as OpenApiSchema))));
  }
  for (const a of (s.allOf ?? []) as OpenApiSchema[]) parts.push(bytesField(24, encodeSchema(a)));
  if (s.properties !== undefined) {
    const props = Object.entries(s.properties as Record<string, OpenApiSchema>).map(([k, v]) =>
      bytesField(1, Buffer.concat([strField(1, k), bytesField(2, encodeSchema(v))])),
    );
    parts.push(bytesField(25, Buffer.concat(props)));
  }
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-')) parts.push(bytesField(31, namedAny(k, v)));
  }
  return Buffer.concat(parts);
}

/** openapi_v2.Document for a v2 document (swagger, info, definitions). */
export function encodeDocumentV2(doc: Record<string, unknown>): Buffer {
  const info = doc.info as { title: string; version: string };
  const defs = Object.entries((doc.definitions ?? {}) as Record<string, OpenApiSchema>).map(
    ([name, schema]) =>
      bytesField(1, Buffer.concat([strField(1, name), bytesField(2, encodeSchema(schema))])),
  );
  return Buffer.concat([
    strField(1, String(doc.swagger)),
    bytesField(2, Buffer.concat([strField(1, info.title), strField(2, info.version)])),
    bytesField(9, Buffer.concat(defs)),
  ]);
}
