/**
 * `config.karmada.io/v1alpha1` ResourceInterpreterCustomization (cluster-scoped, Karmada's kind
 * and `spec.target`), teaching the federation a kind it does not know — how many replicas an
 * object has, how to revise them for one cluster, how to aggregate the members' statuses — by
 * declarative field-path rules (see federation/interpreter/field-path.ts): no user code runs.
 * {@link CUSTOMIZATION_SCHEMA} states every rule and field once; the validation and the OpenAPI
 * schema are derived from it, and the interface below spells the same fields for TypeScript.
 */
import type { GroupVersionResource, KubeObject, StatusCause } from '../../machinery/meta.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { fieldPathProblem, parseFieldPath } from '../interpreter/field-path.js';

/** Where an object keeps its replicas. */
export interface ReplicaResourceRule {
  /** Path to the replica count (a non-negative integer), e.g. `.spec.replicas`. */
  replicas: string;
  /** Path to the per-replica resource requests (validated, not used for placement yet). */
  requests?: string;
}

/** How one cluster's copy gets its share. */
export interface ReplicaRevisionRule {
  /** Path the cluster's share of the replicas is written to, e.g. `.spec.replicas`. */
  replicas: string;
  /** Integer fields divided over the clusters in proportion to their replicas (`.spec.completions`). */
  proportional?: string[];
}

/** How the federated object's status is made of its members'. */
export interface StatusAggregationRule {
  /** `.status.…` numeric fields summed over the members. */
  sum?: string[];
  /** `.status.…` numeric fields: the members' largest. */
  max?: string[];
  /** `.status.…` fields copied from the first member (by cluster name) that has them. */
  copy?: string[];
}

/** A ResourceInterpreterCustomization: declarative rules for one kind. */
export interface ResourceInterpreterCustomization extends KubeObject {
  spec: {
    /** The kind interpreted (built-in kinds too: a customization overrides the built-in rule). */
    target: { apiVersion: string; kind: string };
    customizations: {
      replicaResource?: ReplicaResourceRule;
      replicaRevision?: ReplicaRevisionRule;
      statusAggregation?: StatusAggregationRule;
    };
  };
}

/** A field of a rule: one path or a list of paths; `write` ones may not hold `[*]`. */
interface FieldSpec {
  list: boolean;
  required: boolean;
  /** Written (or one value read): `[*]` is refused. */
  single: boolean;
  /** The path must start with `.status` (status aggregation). */
  status: boolean;
  description: string;
}

const path = (description: string, o: Partial<FieldSpec> = {}): FieldSpec => ({
  list: false,
  required: false,
  single: true,
  status: false,
  description,
  ...o,
});
const paths = (description: string, o: Partial<FieldSpec> = {}): FieldSpec =>
  path(description, { list: true, ...o });

/** Every rule of `spec.customizations`, its fields and their meaning: stated once. */
export const CUSTOMIZATION_SCHEMA = {
  replicaResource: {
    description: 'Where an object keeps its replicas (Karmada InterpretReplica).',
    fields: {
      replicas: path('Path to the replica count, a non-negative integer (e.g. .spec.replicas).', {
        required: true,
      }),
      requests: path(
        'Path to the per-replica resource requests (may use [*]); validated, not yet used for placement.',
        { single: false },
      ),
    },
  },
  replicaRevision: {
    description: "How a cluster's copy gets its share (Karmada ReviseReplica).",
    fields: {
      replicas: path("Path the cluster's share of the replicas is written to.", {
        required: true,
      }),
      proportional: paths(
        "Integer fields divided over the clusters in proportion to each one's replicas (e.g. .spec.completions); unset ones are left alone.",
      ),
    },
  },
  statusAggregation: {
    description: "The federated object's status from its members' (Karmada AggregateStatus).",
    fields: {
      sum: paths('Numeric .status fields summed over the members (absent counts 0).', {
        status: true,
      }),
      max: paths("Numeric .status fields set to the members' largest.", { status: true }),
      copy: paths('.status fields copied from the first member, by cluster name, that has one.', {
        status: true,
      }),
    },
  },
} as const satisfies Record<string, { description: string; fields: Record<string, FieldSpec> }>;

const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});
const invalid = (field: string, message: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message,
});
const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function validatePath(field: string, value: unknown, spec: FieldSpec): StatusCause[] {
  const problem = fieldPathProblem(value);
  if (problem !== undefined) return [invalid(field, `Invalid value: ${problem}`)];
  const p = parseFieldPath(value as string);
  if (spec.single && p.wildcard) {
    return [
      invalid(field, 'Invalid value: [*] is not allowed here (one value is read or written)'),
    ];
  }
  if (spec.status && p.segments[0]?.type === 'key' && p.segments[0].key === 'status') return [];
  return spec.status ? [invalid(field, 'Invalid value: must start with .status')] : [];
}

function validateRule(at: string, rule: unknown, fields: Record<string, FieldSpec>): StatusCause[] {
  if (!isRecord(rule)) return [invalid(at, 'Invalid value: must be an object')];
  const out: StatusCause[] = [];
  for (const key of Object.keys(rule)) {
    if (!(key in fields)) out.push(invalid(`${at}.${key}`, 'Unsupported field'));
  }
  for (const [name, spec] of Object.entries(fields)) {
    const value = rule[name];
    const field = `${at}.${name}`;
    if (value === undefined) {
      if (spec.required) out.push(required(field));
    } else if (!spec.list) {
      out.push(...validatePath(field, value, spec));
    } else if (!Array.isArray(value)) {
      out.push(invalid(field, 'Invalid value: must be a list of paths'));
    } else {
      value.forEach((v: unknown, i) => out.push(...validatePath(`${field}[${i}]`, v, spec)));
    }
  }
  return out;
}

function validateCustomization(o: ResourceInterpreterCustomization): StatusCause[] {
  const spec = o.spec as unknown;
  if (!isRecord(spec)) return [required('spec')];
  const out: StatusCause[] = [];
  const target = isRecord(spec.target) ? spec.target : {};
  if (typeof target.apiVersion !== 'string' || target.apiVersion === '') {
    out.push(required('spec.target.apiVersion'));
  }
  if (typeof target.kind !== 'string' || target.kind === '') out.push(required('spec.target.kind'));
  const c = spec.customizations;
  if (!isRecord(c)) return [...out, required('spec.customizations')];
  for (const [name, rule] of Object.entries(c)) {
    const at = `spec.customizations.${name}`;
    const schema = (CUSTOMIZATION_SCHEMA as Record<string, { fields: Record<string, FieldSpec> }>)[
      name
    ];
    if (!schema) out.push(invalid(at, 'Unsupported field'));
    else out.push(...validateRule(at, rule, schema.fields));
  }
  return out;
}

function fieldSchema(spec: FieldSpec): Record<string, unknown> {
  const one = { type: 'string' };
  return spec.list
    ? { type: 'array', items: one, description: spec.description }
    : { ...one, description: spec.description };
}

/** The OpenAPI v3 schema, from {@link CUSTOMIZATION_SCHEMA}. */
function openApiSchema(): Record<string, unknown> {
  const rules = Object.fromEntries(
    Object.entries(CUSTOMIZATION_SCHEMA).map(([name, r]) => {
      const fields: Record<string, FieldSpec> = r.fields;
      return [
        name,
        {
          type: 'object',
          description: r.description,
          required: Object.keys(fields).filter((f) => fields[f]?.required),
          properties: Object.fromEntries(
            Object.entries(fields).map(([f, s]) => [f, fieldSchema(s)]),
          ),
        },
      ];
    }),
  );
  const str = { type: 'string' };
  return {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['target', 'customizations'],
        properties: {
          target: {
            type: 'object',
            required: ['apiVersion', 'kind'],
            properties: { apiVersion: str, kind: str },
          },
          customizations: { type: 'object', properties: rules },
        },
      },
    },
  };
}

/** The served ResourceInterpreterCustomization type. */
export const resourceInterpreterCustomizationType: ResourceType<ResourceInterpreterCustomization> =
  {
    group: 'config.karmada.io',
    version: 'v1alpha1',
    kind: 'ResourceInterpreterCustomization',
    plural: 'resourceinterpretercustomizations',
    singular: 'resourceinterpretercustomization',
    namespaced: false,
    shortNames: ['ric'],
    validate: validateCustomization,
    openApiSchema: openApiSchema(),
    printerColumns: [
      { name: 'Target-API-Version', type: 'string', value: (o) => o.spec.target.apiVersion },
      { name: 'Target-Kind', type: 'string', value: (o) => o.spec.target.kind },
    ],
  };

/** Where ResourceInterpreterCustomizations are served. */
export const RESOURCE_INTERPRETER_CUSTOMIZATIONS: GroupVersionResource = {
  group: 'config.karmada.io',
  version: 'v1alpha1',
  resource: 'resourceinterpretercustomizations',
};
