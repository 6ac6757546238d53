import { BadRequestError } from '../errors/index.js';

/** One requirement of a label selector. */
export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals';
  values: string[];
}

/** meta/v1 LabelSelector object form. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A parsed label selector. An empty selector matches everything. */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
  toString(): string;
}

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)$/;

function checkKey(key: string, sel: string): void {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (!NAME.test(name) || (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix)))) {
    throw new BadRequestError(
      `unable to parse requirement: invalid label key "${key}" in selector "${sel}"`,
    );
  }
}

function checkValue(value: string, sel: string): void {
  if (value.length > 63 || !VALUE.test(value)) {
    throw new BadRequestError(
      `unable to parse requirement: invalid label value "${value}" in selector "${sel}"`,
    );
  }
}

function matchOne(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Equals':
    case 'In':
      return has && v !== undefined && r.values.includes(v);
    case 'NotEquals':
    case 'NotIn':
      return !has || v === undefined || !r.values.includes(v);
  }
}

function reqToString(r: Requirement): string {
  switch (r.operator) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Equals':
      return `${r.key}=${r.values[0] ?? ''}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0] ?? ''}`;
    case 'In':
      return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(',')})`;
  }
}

function build(requirements: Requirement[]): LabelSelector {
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (labels) => requirements.every((r) => matchOne(r, labels ?? {})),
    toString: () => requirements.map(reqToString).join(','),
  };
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

/**
 * Parses a Kubernetes label selector string: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
 * @throws BadRequestError on any syntax or key/value error.
 */
export function parseLabelSelector(selector: string | undefined): LabelSelector {
  const s = (selector ?? '').trim();
  if (s === '') return build([]);
  const reqs: Requirement[] = [];
  for (const raw of splitTerms(s)) {
    const term = raw.trim();
    if (term === '') {
      throw new BadRequestError(`unable to parse selector "${s}": empty requirement`);
    }
    const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (setMatch) {
      const key = setMatch[1] ?? '';
      checkKey(key, s);
      const values = (setMatch[3] ?? '').split(',').map((v) => v.trim());
      if (values.length === 0 || (values.length === 1 && values[0] === '')) {
        throw new BadRequestError(
          `unable to parse selector "${s}": "${key}" needs at least one value`,
        );
      }
      for (const v of values) checkValue(v, s);
      reqs.push({ key, operator: setMatch[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    const opMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (opMatch) {
      const key = opMatch[1] ?? '';
      const value = opMatch[3] ?? '';
      checkKey(key, s);
      checkValue(value, s);
      reqs.push({ key, operator: opMatch[2] === '!=' ? 'NotEquals' : 'Equals', values: [value] });
      continue;
    }
    const existsMatch = /^(!?)\s*([^=!\s()]+)$/.exec(term);
    if (existsMatch) {
      const key = existsMatch[2] ?? '';
      checkKey(key, s);
      reqs.push({ key, operator: existsMatch[1] === '!' ? 'DoesNotExist' : 'Exists', values: [] });
      continue;
    }
    throw new BadRequestError(`unable to parse selector "${s}": invalid requirement "${term}"`);
  }
  return build(reqs);
}

/**
 * Converts a meta/v1 LabelSelector object (matchLabels + matchExpressions) into a selector.
 * A missing selector (undefined) matches everything; an invalid operator throws BadRequestError.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | undefined): LabelSelector {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) {
    reqs.push({ key, operator: 'Equals', values: [value] });
  }
  for (const e of sel?.matchExpressions ?? []) {
    if (
      e.operator !== 'In' &&
      e.operator !== 'NotIn' &&
      e.operator !== 'Exists' &&
      e.operator !== 'DoesNotExist'
    ) {
      throw new BadRequestError(`invalid label selector operator "${e.operator}"`);
    }
    reqs.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
  }
  return build(reqs);
}
