/**
 * Turns protobuf message schemas into OpenAPI schema objects (v2 `definitions` or v3
 * `components.schemas`), named as Kubernetes names them (io.k8s.api.apps.v1.Deployment). Named
 * messages become definitions referenced with `$ref`; anonymous ones are inlined.
 */
import { messageInfo, type FieldSpec, type Schema, type ValueType } from '../protobuf/schema.js';
import { messageFields, messageOf } from './message-fields.js';

/** An OpenAPI schema object (JSON). */
export type OpenApiSchema = Record<string, unknown>;

/** Which OpenAPI version a schema is written for: where `$ref`s point and how they carry docs. */
export type OpenApiDialect = 'v2' | 'v3';

/** Strategic-merge-patch list keys: message → field name → merge key. */
export type MergeKeyIndex = ReadonlyMap<Schema, ReadonlyMap<string, string>>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** The well-known apimachinery types, as Kubernetes publishes them. */
const WELL_KNOWN: Record<string, { name: string; schema: OpenApiSchema }> = {
  quantity: {
    name: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
    schema: {
      type: 'string',
      description:
        'A fixed-point amount, e.g. 500m (half a CPU), 128Mi or 1G: a number followed by an optional SI or binary suffix.',
    },
  },
  intOrString: {
    name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    schema: {
      type: 'string',
      format: 'int-or-string',
      'x-kubernetes-int-or-string': true,
      description: 'Either an integer or a string (e.g. 8080, "http" or "25%").',
    },
  },
  time: {
    name: `${META}Time`,
    schema: {
      type: 'string',
      format: 'date-time',
      description: 'An RFC 3339 timestamp in UTC, e.g. 2024-01-02T15:04:05Z.',
    },
  },
  microTime: {
    name: `${META}MicroTime`,
    schema: {
      type: 'string',
      format: 'date-time',
      description:
        'An RFC 3339 timestamp in UTC with microseconds, e.g. 2024-01-02T15:04:05.000001Z.',
    },
  },
};

/** Collects the definitions a set of root messages needs. */
export class DefinitionBuilder {
  /** Definitions by name, in the order they were first needed. */
  readonly definitions = new Map<string, OpenApiSchema>();
  private readonly refPrefix: string;
  private readonly dialect: OpenApiDialect;
  private readonly mergeKeys: MergeKeyIndex;

  constructor(dialect: OpenApiDialect, mergeKeys: MergeKeyIndex = new Map()) {
    this.dialect = dialect;
    this.mergeKeys = mergeKeys;
    this.refPrefix = dialect === 'v3' ? '#/components/schemas/' : '#/definitions/';
  }

  /** A `$ref` to a definition. */
  ref(name: string): OpenApiSchema {
    return { $ref: this.refPrefix + name };
  }

  /**
   * Adds a message (and everything it uses) as a definition and returns its name, or the
   * inline schema of an anonymous message. `extra` is merged into a named definition (kinds add
   * apiVersion, kind and x-kubernetes-group-version-kind).
   */
  addMessage(schema: Schema, extra?: (def: OpenApiSchema) => void): string | OpenApiSchema {
    const info = messageInfo(schema);
    if (!info) return this.objectSchema(schema);
    if (!this.definitions.has(info.name)) {
      // reserve the name first: a message that (indirectly) contains itself ends in a $ref
      this.definitions.set(info.name, {});
      this.definitions.set(info.name, this.objectSchema(schema));
    }
    const def = this.definitions.get(info.name);
    if (def && extra) extra(def);
    return info.name;
  }

  /** The object schema of a message: properties, required, preserve-unknown when open. */
  objectSchema(schema: Schema): OpenApiSchema {
    const { fields, open } = messageFields(schema);
    const properties: Record<string, OpenApiSchema> = {};
    const required: string[] = [];
    const keys = this.mergeKeys.get(schema);
    for (const [name, spec] of [...fields].sort(([a], [b]) => a.localeCompare(b))) {
      const prop = this.fieldSchema(spec);
      const key = keys?.get(name);
      if (key !== undefined) {
        prop['x-kubernetes-patch-merge-key'] = key;
        prop['x-kubernetes-patch-strategy'] = 'merge';
      }
      properties[name] = prop;
      if (spec.required) required.push(name);
    }
    const out: OpenApiSchema = { type: 'object' };
    const description = messageInfo(schema)?.description;
    if (description !== undefined) out.description = description;
    if (fields.size > 0) out.properties = properties;
    if (required.length > 0) out.required = required.sort();
    if (open) out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }

  private fieldSchema(spec: FieldSpec): OpenApiSchema {
    let value = this.valueSchema(spec.type);
    if (spec.repeated) value = { type: 'array', items: value };
    else if (spec.map) value = { type: 'object', additionalProperties: value };
    if (spec.description === undefined) return value;
    if (typeof value.$ref === 'string') {
      // v3 ignores siblings of $ref, so Kubernetes wraps the reference in allOf; v2 keeps both
      return this.dialect === 'v3'
        ? { allOf: [value], description: spec.description }
        : { ...value, description: spec.description };
    }
    return { ...value, description: spec.description };
  }

  private valueSchema(type: ValueType): OpenApiSchema {
    switch (type) {
      case 'string':
        return { type: 'string' };
      case 'int':
        return { type: 'integer', format: 'int64' };
      case 'bool':
        return { type: 'boolean' };
      case 'bytes':
        return { type: 'string', format: 'byte' };
      case 'stringList':
        return { type: 'array', items: { type: 'string' } };
      case 'json':
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      case 'quantity':
      case 'intOrString':
      case 'time':
      case 'microTime': {
        const wk = WELL_KNOWN[type];
        if (!wk) return {};
        if (!this.definitions.has(wk.name)) this.definitions.set(wk.name, { ...wk.schema });
        return this.ref(wk.name);
      }
      default: {
        const msg = messageOf(type);
        if (!msg) return {};
        const named = this.addMessage(msg);
        return typeof named === 'string' ? this.ref(named) : named;
      }
    }
  }
}
