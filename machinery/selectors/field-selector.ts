import { BadRequestError } from '../errors/index.js';

/** One field requirement. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** A parsed field selector. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  matches(fields: Record<string, string | undefined>): boolean;
}

/**
 * Parses a field selector: `a=b`, `a==b`, `a!=b`, comma-separated.
 * @throws BadRequestError on syntax errors.
 */
export function parseFieldSelector(selector: string | undefined): FieldSelector {
  const s = (selector ?? '').trim();
  const reqs: FieldRequirement[] = [];
  if (s !== '') {
    for (const raw of s.split(',')) {
      const m = /^\s*([A-Za-z0-9_.\-/]+)\s*(==|=|!=)\s*([^,=!]*?)\s*$/.exec(raw);
      if (!m) throw new BadRequestError(`invalid field selector "${s}": cannot parse "${raw}"`);
      reqs.push({ field: m[1] ?? '', operator: m[2] === '!=' ? '!=' : '=', value: m[3] ?? '' });
    }
  }
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (fields) =>
      reqs.every((r) => {
        const v = fields[r.field] ?? '';
        return r.operator === '=' ? v === r.value : v !== r.value;
      }),
  };
}
