/**
 * The OpenAPI documents of a set of served resource types: one v3 document per group-version
 * (what `kubectl explain` and kubectl's field-validation check read) and one v2 document.
 */
import { resourceApiVersion, type ResourceType } from '../../resource-type.js';
import { DefinitionBuilder, type MergeKeyIndex, type OpenApiSchema } from './definitions.js';
import { addKindDefinition, gvkOf, isClosed, mergeKeyIndex, schemaOf } from './kind-definitions.js';

const INFO = { title: 'Flotilla', version: 'v1.32.0' };

/** The URL path (without the leading /) of a group-version: `api/v1` or `apis/apps/v1`. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

const param = (name: string, description: string): OpenApiSchema => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});

/** The query parameters of a write; kubectl looks for fieldValidation before relying on it. */
const WRITE_PARAMS = [
  param('dryRun', 'When All, every stage runs except storing the result.'),
  param('fieldManager', 'Name of the actor making the change.'),
  param(
    'fieldValidation',
    'What to do with unknown or duplicate fields in the body: Ignore, Warn (a warning header per field) or Strict (the request fails).',
  ),
];

function pathParams(rt: ResourceType, item: boolean): OpenApiSchema[] {
  const out: OpenApiSchema[] = [];
  if (item) {
    out.push({ name: 'name', in: 'path', required: true, schema: { type: 'string' } });
  }
  if (rt.namespaced) {
    out.push({ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } });
  }
  return out;
}

function operation(
  rt: ResourceType,
  action: string,
  id: string,
  response: OpenApiSchema,
  body?: OpenApiSchema,
): OpenApiSchema {
  const op: OpenApiSchema = {
    operationId: `${action}${rt.kind}`,
    description: id,
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: response } } },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvkOf(rt),
  };
  if (body) {
    op.parameters = WRITE_PARAMS;
    op.requestBody = body;
  }
  return op;
}

function resourcePaths(
  rt: ResourceType,
  ref: OpenApiSchema,
): Record<string, Record<string, unknown>> {
  const ns = rt.namespaced ? '/namespaces/{namespace}' : '';
  const base = `/${groupVersionPath(rt.group, rt.version)}${ns}/${rt.plural}`;
  const json = { content: { 'application/json': { schema: ref } }, required: true };
  // strategic merge patch is advertised only when the schema lists every field: kubectl then
  // computes the patch from it (and fails on a field the schema does not know)
  const root = schemaOf(rt);
  const patchTypes = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
    ...(root && isClosed(root) ? ['application/strategic-merge-patch+json'] : []),
  ];
  const patchBody = {
    content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])),
    required: true,
  };
  return {
    [base]: {
      parameters: pathParams(rt, false),
      get: operation(rt, 'list', `list ${rt.plural}`, { type: 'object' }),
      post: operation(rt, 'post', `create a ${rt.kind}`, ref, json),
    },
    [`${base}/{name}`]: {
      parameters: pathParams(rt, true),
      get: operation(rt, 'get', `read the specified ${rt.kind}`, ref),
      put: operation(rt, 'put', `replace the specified ${rt.kind}`, ref, json),
      patch: operation(rt, 'patch', `partially update the specified ${rt.kind}`, ref, patchBody),
      delete: operation(rt, 'delete', `delete a ${rt.kind}`, { type: 'object' }),
    },
  };
}

/** The v3 document of one group-version's resource types. */
export function openApiV3Document(types: readonly ResourceType[], keys: MergeKeyIndex): unknown {
  const b = new DefinitionBuilder('v3', keys);
  let paths: Record<string, unknown> = {};
  for (const rt of types) {
    const ref = b.ref(addKindDefinition(b, rt));
    paths = { ...paths, ...resourcePaths(rt, ref) };
  }
  return {
    openapi: '3.0.0',
    info: INFO,
    paths,
    components: { schemas: Object.fromEntries(b.definitions) },
  };
}

/** The v3 documents of every served group-version, by {@link groupVersionPath}. */
export function openApiV3Documents(types: readonly ResourceType[]): Map<string, unknown> {
  const keys = mergeKeyIndex(types);
  const byGv = new Map<string, ResourceType[]>();
  for (const rt of types) {
    const path = groupVersionPath(rt.group, rt.version);
    byGv.set(path, [...(byGv.get(path) ?? []), rt]);
  }
  return new Map([...byGv].map(([path, rts]) => [path, openApiV3Document(rts, keys)]));
}

/**
 * The v2 document: every served kind's definition. It has no paths, so kubectl keeps computing
 * patches from its built-in types and asks the v3 documents whether fieldValidation is served.
 */
export function openApiV2Document(types: readonly ResourceType[]): Record<string, unknown> {
  const b = new DefinitionBuilder('v2', mergeKeyIndex(types));
  const sorted = [...types].sort((a, b2) =>
    `${resourceApiVersion(a)}/${a.kind}`.localeCompare(`${resourceApiVersion(b2)}/${b2.kind}`),
  );
  for (const rt of sorted) addKindDefinition(b, rt);
  return { swagger: '2.0', info: INFO, paths: {}, definitions: Object.fromEntries(b.definitions) };
}
