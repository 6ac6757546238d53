/**
 * Server-side field validation (KEP-2885): the `fieldValidation` query parameter of create,
 * update and patch. Unknown fields (against the kind's message schema, the one the OpenAPI
 * documents are generated from) and duplicate JSON keys fail the request under Strict (kubectl's
 * default), become `Warning` headers under Warn, and are ignored under Ignore or when the
 * parameter is absent. Kinds without a schema are not checked. Nothing stored is rewritten.
 */
import type { Context } from 'koa';
import { BadRequestError } from '../errors/index.js';
import type { ResourceType } from '../resource-type.js';
import { findDuplicateFields } from './openapi/duplicate-fields.js';
import { schemaOf } from './openapi/kind-definitions.js';
import { findUnknownFields } from './openapi/unknown-fields.js';

/** What to do with unknown and duplicate fields. */
export type FieldValidationDirective = 'Ignore' | 'Warn' | 'Strict';

/**
 * The request's directive; Ignore when absent.
 * @throws BadRequestError for any other value, as kube-apiserver.
 */
export function fieldValidationDirective(ctx: Context): FieldValidationDirective {
  const raw = ctx.query.fieldValidation;
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v === '') return 'Ignore';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw new BadRequestError(
    `fieldValidation must be one of "Ignore", "Warn" or "Strict", not "${v}"`,
  );
}

/** The problems of a body: unknown fields of `obj` and duplicate keys of its JSON text. */
export function fieldProblems(rt: ResourceType, obj: unknown, json?: string): string[] {
  const schema = schemaOf(rt);
  if (!schema && !rt.unknownFields) return [];
  const dup = json === undefined ? [] : findDuplicateFields(json);
  const unknown = schema ? findUnknownFields(obj, schema) : (rt.unknownFields?.(obj) ?? []);
  return [
    ...unknown.map((p) => `unknown field "${p}"`),
    ...dup.map((p) => `duplicate field "${p}"`),
  ];
}

/**
 * Acts on `problems` under the request's directive.
 * @throws BadRequestError under Strict when there is any problem.
 */
export function enforceFieldValidation(
  ctx: Context,
  rt: ResourceType,
  problems: readonly string[],
): void {
  if (problems.length === 0) return;
  const directive = fieldValidationDirective(ctx);
  if (directive === 'Strict') {
    throw new BadRequestError(
      `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${problems.join(', ')}`,
    );
  }
  if (directive === 'Warn') {
    for (const p of problems) ctx.append('Warning', `299 - ${JSON.stringify(p)}`);
  }
}

/**
 * The field problems a patch brings: duplicate keys in its text and unknown fields of the result
 * that the stored object did not already have (nothing stored is judged again).
 */
export function patchProblems(
  rt: ResourceType,
  cur: unknown,
  patched: unknown,
  json?: string,
): string[] {
  const before = new Set(fieldProblems(rt, cur));
  return fieldProblems(rt, patched, json).filter((p) => !before.has(p));
}
