/**
 * Validation of a custom object against its CRD version's `openAPIV3Schema`, with the field paths
 * and messages kube-apiserver writes (`spec.replicas: Invalid value: "string": spec.replicas in
 * body must be of type integer: "string"`). The root's apiVersion, kind and metadata are the
 * generic registry's business and are not looked at here.
 */
import type { StatusCause } from '../meta.js';
import type { JSONSchemaProps } from './crd-types.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON type name of a value, as the OpenAPI validator reports a mismatch. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(type: JSONSchemaProps['type'], v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

const invalid = (path: string, value: unknown, why: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field: path,
  message: `Invalid value: ${JSON.stringify(value)}: ${path} in body ${why}`,
});

/** The child path of a property: `spec.replicas` (or `replicas` at the root). */
export const childPath = (path: string, name: string): string =>
  path === '' ? name : `${path}.${name}`;

function checkScalar(s: JSONSchemaProps, v: unknown, path: string, out: StatusCause[]): void {
  if (s.enum !== undefined && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum) {
        const rel = s.exclusiveMinimum === true ? 'greater than' : 'greater than or equal to';
        out.push(invalid(path, v, `should be ${rel} ${String(s.minimum)}`));
      }
    }
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum) {
        const rel = s.exclusiveMaximum === true ? 'less than' : 'less than or equal to';
        out.push(invalid(path, v, `should be ${rel} ${String(s.maximum)}`));
      }
    }
  }
  if (typeof v === 'string') {
    if (s.maxLength !== undefined && [...v].length > s.maxLength) {
      out.push({
        reason: 'FieldValueTooLong',
        field: path,
        message: `Too long: may not be more than ${String(s.maxLength)} bytes`,
      });
    }
    if (s.minLength !== undefined && [...v].length < s.minLength) {
      out.push(invalid(path, v, `should be at least ${String(s.minLength)} chars long`));
    }
    if (s.pattern !== undefined && !safeRegExp(s.pattern)?.test(v)) {
      out.push(invalid(path, v, `should match '${s.pattern}'`));
    }
  }
}

/** A schema's pattern as a RegExp (undefined when it does not compile: the CRD was refused then). */
export function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

function checkArray(s: JSONSchemaProps, v: unknown[], path: string, out: StatusCause[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    out.push({
      reason: 'FieldValueTooMany',
      field: path,
      message: `Too many: ${String(v.length)}: must have at most ${String(s.maxItems)} items`,
    });
  }
  if (s.minItems !== undefined && v.length < s.minItems) {
    out.push(invalid(path, v.length, `should have at least ${String(s.minItems)} items`));
  }
  if (s.items) {
    const items = s.items;
    v.forEach((item, i) => {
      walk(items, item, `${path}[${String(i)}]`, out);
    });
  }
}

function checkObject(
  s: JSONSchemaProps,
  v: Record<string, unknown>,
  path: string,
  out: StatusCause[],
): void {
  for (const r of s.required ?? []) {
    if (v[r] === undefined) {
      out.push({
        reason: 'FieldValueRequired',
        field: childPath(path, r),
        message: 'Required value',
      });
    }
  }
  const n = Object.values(v).filter((x) => x !== undefined).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) {
    out.push({
      reason: 'FieldValueTooMany',
      field: path,
      message: `Too many: ${String(n)}: must have at most ${String(s.maxProperties)} items`,
    });
  }
  if (s.minProperties !== undefined && n < s.minProperties) {
    out.push(invalid(path, n, `should have at least ${String(s.minProperties)} properties`));
  }
  for (const [k, item] of Object.entries(v)) {
    // a key set to undefined (in memory, before JSON) is an absent field
    if (item === undefined) continue;
    const prop = s.properties?.[k];
    if (prop) walk(prop, item, childPath(path, k), out);
    else if (isObject(s.additionalProperties)) {
      walk(s.additionalProperties, item, `${path}[${k}]`, out);
    }
  }
}

function walk(s: JSONSchemaProps, v: unknown, path: string, out: StatusCause[]): void {
  if (v === null) {
    if (s.nullable === true) return;
    // kube-apiserver reports a null of a typed field as a type mismatch
    if (s.type !== undefined) {
      out.push(invalid(path, 'null', `must be of type ${s.type}: "null"`));
    }
    return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      out.push(invalid(path, typeName(v), `must be of type integer or string: "${typeName(v)}"`));
      return;
    }
  } else if (!typeMatches(s.type, v)) {
    out.push(invalid(path, typeName(v), `must be of type ${String(s.type)}: "${typeName(v)}"`));
    return;
  }
  checkScalar(s, v, path, out);
  if (Array.isArray(v)) checkArray(s, v, path, out);
  else if (isObject(v)) checkObject(s, v, path, out);
}

/**
 * Every problem of `obj` against `schema` (a CRD version's openAPIV3Schema), as StatusCauses with
 * Kubernetes' field paths. The root's apiVersion, kind and metadata are skipped.
 */
export function validateAgainstSchema(schema: JSONSchemaProps, obj: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isObject(obj)) return [invalid('', typeName(obj), 'must be of type object')];
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
  const { apiVersion: _sa, kind: _sk, metadata: _sm, ...props } = schema.properties ?? {};
  const root: JSONSchemaProps = {
    ...schema,
    properties: props,
    required: (schema.required ?? []).filter(
      (r) => !['apiVersion', 'kind', 'metadata'].includes(r),
    ),
  };
  checkObject(root, rest, '', out);
  return out;
}

/** Validates one value against a schema at `path` (CRD `default` values, unit tests). */
export function validateValue(
  schema: JSONSchemaProps,
  value: unknown,
  path: string,
): StatusCause[] {
  const out: StatusCause[] = [];
  walk(schema, value, path, out);
  return out;
}
