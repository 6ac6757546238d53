/**
 * The {@link ResourceType} of one served version of a CustomResourceDefinition: the generic
 * registry and handlers serve it like a built-in kind, with the CRD's schema for pruning,
 * defaulting, validation, strict field validation and OpenAPI, its printer columns, short names,
 * categories and status/scale subresources. JSON only; no strategic merge patch (415).
 */
import type { KubeObject } from '../meta.js';
import type { PrinterColumn, ResourceType } from '../resource-type.js';
import { humanAge } from '../apiserver/table.js';
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
} from './crd-types.js';
import { defaultObject, pruneObject, unknownFields } from './schema-pruning.js';
import { validateAgainstSchema } from './schema-validation.js';

/** A schema that keeps everything (a version without one). */
const OPEN_SCHEMA: JSONSchemaProps = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
};

/**
 * Evaluates the JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `.a[*].b` and filters
 * `.a[?(@.type=="Ready")].status`. @returns every match (none when the path leads nowhere)
 */
export function evalJsonPath(obj: unknown, path: string): unknown[] {
  const p = path.replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  const tokens = p.match(/\.[^.[]+|\[[^\]]*\]/g) ?? [];
  let cur: unknown[] = [obj];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (v === null || typeof v !== 'object') continue;
      if (t.startsWith('.')) {
        if (!Array.isArray(v)) next.push((v as Record<string, unknown>)[t.slice(1)]);
        continue;
      }
      const inner = t.slice(1, -1);
      const arr: unknown[] | undefined = Array.isArray(v) ? (v as unknown[]) : undefined;
      if (!arr) {
        next.push((v as Record<string, unknown>)[inner.replace(/^['"]|['"]$/g, '')]);
        continue;
      }
      if (inner === '*') next.push(...arr);
      else if (/^-?\d+$/.test(inner)) next.push(arr.at(Number(inner)));
      else {
        const f = /^\?\(@\.([\w.]+)\s*==\s*["']?([^"']*)["']?\)$/.exec(inner);
        if (f) {
          const [, field = '', want = ''] = f;
          next.push(...arr.filter((item) => String(evalJsonPath(item, `.${field}`)[0]) === want));
        }
      }
    }
    cur = next.filter((x) => x !== undefined);
  }
  return cur;
}

function cellValue(
  c: CustomResourceColumnDefinition,
  obj: KubeObject,
): string | number | boolean | undefined {
  const found = evalJsonPath(obj, c.jsonPath);
  if (found.length === 0) return undefined;
  const values = found.map((v) => {
    if (c.type === 'date' && typeof v === 'string') return humanAge(v, Date.now());
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    return JSON.stringify(v);
  });
  return values.length === 1 ? values[0] : values.join(',');
}

/** The version's printer columns, the creation-timestamp one aside (every Table ends with Age). */
function printerColumns(v: CustomResourceDefinitionVersion): PrinterColumn[] {
  return (v.additionalPrinterColumns ?? [])
    .filter((c) => c.jsonPath !== '.metadata.creationTimestamp')
    .map((c) => ({
      name: c.name,
      type: c.type,
      value: (o: KubeObject) => cellValue(c, o),
      ...(c.priority !== undefined ? { priority: c.priority } : {}),
    }));
}

/** The resource type serving `version` of `crd`. */
export function customResourceType(
  crd: CustomResourceDefinition,
  version: CustomResourceDefinitionVersion,
): ResourceType {
  const { group, names, scope } = crd.spec;
  const schema = version.schema?.openAPIV3Schema ?? OPEN_SCHEMA;
  const scale = version.subresources?.scale;
  const rt: ResourceType = {
    group,
    version: version.name,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: scope === 'Namespaced',
    subresources: {
      ...(version.subresources?.status ? { status: true } : {}),
      ...(scale
        ? {
            scale: {
              specReplicasPath: scale.specReplicasPath,
              statusReplicasPath: scale.statusReplicasPath,
              ...(scale.labelSelectorPath !== undefined
                ? { labelSelectorPath: scale.labelSelectorPath }
                : {}),
            },
          }
        : {}),
    },
    // every write: unknown fields dropped, then defaults filled (validation comes next)
    defaults: (o) => {
      const obj = o as unknown as Record<string, unknown>;
      pruneObject(schema, obj);
      defaultObject(schema, obj);
    },
    validate: (o) => validateAgainstSchema(schema, o),
    printerColumns: printerColumns(version),
    strategicMergePatch: false,
    unknownFields: (o) => unknownFields(schema, o),
    openApiSchema: schema as Record<string, unknown>,
    customResource: { crdName: crd.metadata.name ?? '' },
  };
  if (names.shortNames && names.shortNames.length > 0) rt.shortNames = [...names.shortNames];
  if (names.categories && names.categories.length > 0) rt.categories = [...names.categories];
  return rt;
}
