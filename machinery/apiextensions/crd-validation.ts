/**
 * The essentials of kube-apiserver's CustomResourceDefinition validation: the name is
 * `<plural>.<group>`, names are DNS-1035 labels, one storage version, printer columns and
 * subresource paths are well formed, and every version's schema is structural (types specified,
 * arrays with items, properties and additionalProperties exclusive, defaults valid).
 */
import type { StatusCause } from '../meta.js';
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
} from './crd-types.js';
import { pruneObject } from './schema-pruning.js';
import { safeRegExp, validateValue } from './schema-validation.js';

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const COLUMN_TYPES = new Set(['integer', 'number', 'string', 'boolean', 'date']);

const required = (field: string, why = ''): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: why === '' ? 'Required value' : `Required value: ${why}`,
});
const invalid = (field: string, value: unknown, why: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
});
const forbidden = (field: string, why: string): StatusCause => ({
  reason: 'FieldValueForbidden',
  field,
  message: `Forbidden: ${why}`,
});

function label(field: string, v: unknown, out: StatusCause[]): void {
  if (typeof v !== 'string' || v === '') out.push(required(field));
  else if (!DNS1035_LABEL.test(v) || v.length > 63) {
    out.push(
      invalid(
        field,
        v,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start with an alphabetic character",
      ),
    );
  }
}

function validateNames(crd: CustomResourceDefinition, out: StatusCause[]): void {
  const n = crd.spec.names as Partial<CustomResourceDefinition['spec']['names']> | undefined;
  if (!n) {
    out.push(required('spec.names'));
    return;
  }
  label('spec.names.plural', n.plural, out);
  if (n.singular !== undefined) label('spec.names.singular', n.singular, out);
  for (const [k, v] of [
    ['kind', n.kind],
    ['listKind', n.listKind],
  ] as const) {
    if (k === 'listKind' && v === undefined) continue;
    if (typeof v !== 'string' || v === '') out.push(required(`spec.names.${k}`));
    else if (!DNS1035_LABEL.test(v.toLowerCase())) {
      out.push(
        invalid(
          `spec.names.${k}`,
          v,
          'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?',
        ),
      );
    }
  }
  if (n.kind !== undefined && n.listKind === n.kind) {
    out.push(invalid('spec.names.listKind', n.listKind, 'kind and listKind may not be the same'));
  }
  (n.shortNames ?? []).forEach((s, i) => {
    label(`spec.names.shortNames[${String(i)}]`, s, out);
  });
  (n.categories ?? []).forEach((s, i) => {
    label(`spec.names.categories[${String(i)}]`, s, out);
  });
  const want = `${String(n.plural)}.${String(crd.spec.group)}`;
  if (crd.metadata.name !== undefined && crd.metadata.name !== want) {
    out.push(
      invalid('metadata.name', crd.metadata.name, `must be spec.names.plural+"."+spec.group`),
    );
  }
}

/** Problems of a schema that is not structural (kube-apiserver's "structural schema" rules). */
function validateSchema(s: JSONSchemaProps, path: string, out: StatusCause[], root = false): void {
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'];
  if (preserve === false) {
    out.push(
      invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'),
    );
  }
  if (s.type === undefined && !intOrString && preserve !== true) {
    out.push(required(`${path}.type`, 'must not be empty for specified object fields'));
  } else if (s.type !== undefined && !TYPES.has(s.type)) {
    out.push(invalid(`${path}.type`, s.type, `must be one of ${[...TYPES].join(', ')}`));
  }
  if (intOrString && s.type !== undefined) {
    out.push(forbidden(`${path}.type`, 'must be empty if x-kubernetes-int-or-string is true'));
  }
  if (root && s.type !== 'object') {
    out.push(invalid(`${path}.type`, s.type ?? '', 'must be object at the root'));
  }
  if (s.type === 'array' && !s.items) out.push(required(`${path}.items`, 'must be specified'));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    out.push(
      forbidden(
        `${path}.additionalProperties`,
        'additionalProperties and properties are mutual exclusive',
      ),
    );
  }
  if (s.pattern !== undefined && !safeRegExp(s.pattern)) {
    out.push(invalid(`${path}.pattern`, s.pattern, 'must be a valid regular expression'));
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    validateSchema(p, `${path}.properties[${k}]`, out);
  }
  if (s.items) validateSchema(s.items, `${path}.items`, out);
  if (typeof s.additionalProperties === 'object') {
    validateSchema(s.additionalProperties, `${path}.additionalProperties`, out);
  }
  if (s.default !== undefined) {
    if (root) out.push(forbidden(`${path}.default`, 'must not be set at the root'));
    const problems = validateValue(s, s.default, `${path}.default`);
    const pruned =
      typeof s.default === 'object' && s.default !== null && !Array.isArray(s.default)
        ? pruneObject(
            { ...s, properties: s.properties ?? {} },
            structuredClone(s.default) as Record<string, unknown>,
          )
        : [];
    for (const p of problems) out.push(p);
    if (pruned.length > 0) {
      out.push(
        invalid(
          `${path}.default`,
          s.default,
          `must not have unknown fields (${pruned.join(', ')})`,
        ),
      );
    }
  }
}

function validateVersion(
  v: CustomResourceDefinitionVersion,
  path: string,
  out: StatusCause[],
): void {
  label(`${path}.name`, v.name, out);
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) out.push(required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
  else validateSchema(schema, `${path}.schema.openAPIV3Schema`, out, true);
  const scale = v.subresources?.scale;
  if (scale) {
    const sp = `${path}.subresources.scale`;
    if (!/^\.spec(\.[A-Za-z0-9_]+)+$/.test(scale.specReplicasPath ?? '')) {
      out.push(
        invalid(
          `${sp}.specReplicasPath`,
          scale.specReplicasPath,
          'should be a json path under .spec',
        ),
      );
    }
    if (!/^\.status(\.[A-Za-z0-9_]+)+$/.test(scale.statusReplicasPath ?? '')) {
      out.push(
        invalid(
          `${sp}.statusReplicasPath`,
          scale.statusReplicasPath,
          'should be a json path under .status',
        ),
      );
    }
    if (
      scale.labelSelectorPath !== undefined &&
      !/^\.(spec|status)(\.[A-Za-z0-9_]+)+$/.test(scale.labelSelectorPath)
    ) {
      out.push(
        invalid(
          `${sp}.labelSelectorPath`,
          scale.labelSelectorPath,
          'should be a json path under either .spec or .status',
        ),
      );
    }
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const cp = `${path}.additionalPrinterColumns[${String(i)}]`;
    if (typeof c.name !== 'string' || c.name === '') out.push(required(`${cp}.name`));
    if (!COLUMN_TYPES.has(c.type)) {
      out.push({
        reason: 'FieldValueNotSupported',
        field: `${cp}.type`,
        message: `Unsupported value: ${JSON.stringify(c.type)}: supported values: ${[...COLUMN_TYPES].map((t) => JSON.stringify(t)).join(', ')}`,
      });
    }
    if (typeof c.jsonPath !== 'string' || c.jsonPath === '') out.push(required(`${cp}.jsonPath`));
  });
}

/** Every problem of a CRD; `old` is set on update (group and scope are then fixed). */
export function validateCrd(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition | undefined,
): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = crd.spec as Partial<CustomResourceDefinition['spec']> | undefined;
  if (!spec) return [required('spec')];
  const group = spec.group;
  if (typeof group !== 'string' || group === '') out.push(required('spec.group'));
  else if (!DNS1123_SUBDOMAIN.test(group) || !group.includes('.')) {
    out.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`,
    });
  }
  validateNames(crd, out);
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) {
    out.push(required('spec.versions', 'must have exactly one version marked as storage version'));
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const path = `spec.versions[${String(i)}]`;
    if (seen.has(v.name)) {
      out.push({
        reason: 'FieldValueDuplicate',
        field: `${path}.name`,
        message: `Duplicate value: ${JSON.stringify(v.name)}`,
      });
    }
    seen.add(v.name);
    validateVersion(v, path, out);
  });
  const storage = versions.filter((v) => v.storage).length;
  if (versions.length > 0 && storage !== 1) {
    out.push(
      invalid(
        'spec.versions',
        versions.map((v) => v.name),
        'must have exactly one version marked as storage version',
      ),
    );
  }
  if (versions.length > 0 && !versions.some((v) => v.served)) {
    out.push(
      invalid(
        'spec.versions',
        versions.map((v) => v.name),
        'must have at least one served version',
      ),
    );
  }
  if (spec.conversion?.strategy === 'Webhook') {
    out.push(
      forbidden('spec.conversion.strategy', 'conversion webhooks are not supported by this server'),
    );
  }
  if (old) {
    if (old.spec.group !== spec.group) {
      out.push(invalid('spec.group', spec.group, 'field is immutable'));
    }
    if (old.spec.scope !== spec.scope) {
      out.push(invalid('spec.scope', spec.scope, 'field is immutable'));
    }
  }
  return out;
}
