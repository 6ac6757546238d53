/**
 * Field sets of objects under an {@link ApplySchema}: the set an applied configuration specifies
 * (its leaves and associative-list items), and the comparison of two versions of an object into the
 * fields added, modified and removed (what an update takes ownership of or drops). Values are plain
 * JSON; lists go by their schema semantics (map lists by key, set lists by value, others atomic).
 */
import type { ApplySchema, ListSemantics } from './apply-schema.js';
import {
  FieldSet,
  fieldToken,
  keyToken,
  valueToken,
  canonicalJson,
  type FieldPath,
  type PathToken,
} from './field-set.js';

/** Whether `v` is a JSON object (not an array, not null). */
export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The key fields of `item` in a map list keyed by `keys`, or undefined when the item is not an
 * object or lacks one of them (such a list is then treated as atomic).
 */
export function itemKey(
  item: unknown,
  keys: readonly string[],
): Record<string, unknown> | undefined {
  if (!isMap(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (item[k] === undefined || item[k] === null) return undefined;
    out[k] = item[k];
  }
  return out;
}

/** The semantics of the list `items` at `path`: a map list whose items lack keys is atomic. */
export function listOf(
  schema: ApplySchema,
  path: string,
  field: string,
  items: readonly unknown[],
): ListSemantics {
  const s = schema.list(path, field);
  if (s.type === 'map' && !items.every((i) => itemKey(i, s.keys) !== undefined)) {
    return { type: 'atomic' };
  }
  if (s.type === 'set' && !items.every((i) => !isMap(i) && !Array.isArray(i))) {
    return { type: 'atomic' };
  }
  return s;
}

/** The token of each item of a map or set list, by position. */
export function itemTokens(sem: ListSemantics, items: readonly unknown[]): PathToken[] {
  return items.map((i) => {
    if (sem.type === 'map') return keyToken(itemKey(i, sem.keys) ?? {});
    return valueToken(i);
  });
}

/**
 * The fields an applied configuration specifies: every leaf (scalars, atomic lists and maps, empty
 * maps) and every item of an associative or set list. Maps are not members themselves.
 */
export function configFieldSet(config: unknown, schema: ApplySchema): FieldSet {
  const out = new FieldSet();
  const walk = (v: unknown, prefix: PathToken[], path: string, field: string): void => {
    if (isMap(v) && Object.keys(v).length > 0 && !schema.atomicMap(path)) {
      for (const [k, child] of Object.entries(v)) {
        walk(child, [...prefix, fieldToken(k)], `${path}.${k}`, k);
      }
      return;
    }
    if (Array.isArray(v)) {
      const sem = listOf(schema, path, field, v);
      if (sem.type !== 'atomic') {
        const tokens = itemTokens(sem, v);
        v.forEach((item, i) => {
          const itemPath = [...prefix, tokens[i] ?? ''];
          out.add(itemPath);
          if (sem.type === 'map' && isMap(item)) {
            for (const [k, child] of Object.entries(item)) {
              walk(child, [...itemPath, fieldToken(k)], `${path}.${k}`, k);
            }
          }
        });
        return;
      }
    }
    if (prefix.length > 0) out.add(prefix);
  };
  walk(config, [], '', '');
  return out;
}

/** What changed between two versions of an object. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Adds `prefix` and every node below it (as an update that sets a whole subtree owns it). */
function subtree(
  v: unknown,
  prefix: FieldPath,
  path: string,
  field: string,
  schema: ApplySchema,
  out: FieldSet,
): void {
  if (prefix.length > 0) out.add(prefix);
  if (isMap(v) && !schema.atomicMap(path)) {
    for (const [k, child] of Object.entries(v)) {
      subtree(child, [...prefix, fieldToken(k)], `${path}.${k}`, k, schema, out);
    }
  } else if (Array.isArray(v)) {
    const sem = listOf(schema, path, field, v);
    if (sem.type === 'atomic') return;
    const tokens = itemTokens(sem, v);
    v.forEach((item, i) => {
      const itemPath = [...prefix, tokens[i] ?? ''];
      out.add(itemPath);
      if (sem.type === 'map' && isMap(item)) {
        for (const [k, child] of Object.entries(item)) {
          subtree(child, [...itemPath, fieldToken(k)], `${path}.${k}`, k, schema, out);
        }
      }
    });
  }
}

/** Compares `before` with `after`: fields added, modified (leaf values changed) and removed. */
export function compareObjects(before: unknown, after: unknown, schema: ApplySchema): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    modified: new FieldSet(),
    removed: new FieldSet(),
  };
  const walk = (a: unknown, b: unknown, prefix: FieldPath, path: string, field: string): void => {
    if (isMap(a) && isMap(b) && !schema.atomicMap(path)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const p = [...prefix, fieldToken(k)];
        const cp = `${path}.${k}`;
        if (!(k in b)) subtree(a[k], p, cp, k, schema, c.removed);
        else if (!(k in a)) subtree(b[k], p, cp, k, schema, c.added);
        else walk(a[k], b[k], p, cp, k);
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const sa = listOf(schema, path, field, a);
      const sb = listOf(schema, path, field, b);
      if (sa.type !== 'atomic' && sa.type === sb.type) {
        compareLists(a, b, sa, prefix, path);
        return;
      }
    }
    if (canonicalJson(a) !== canonicalJson(b) && prefix.length > 0) c.modified.add(prefix);
  };
  const compareLists = (
    a: unknown[],
    b: unknown[],
    sem: ListSemantics,
    prefix: FieldPath,
    path: string,
  ): void => {
    const ta = itemTokens(sem, a);
    const tb = itemTokens(sem, b);
    b.forEach((item, i) => {
      const t = tb[i] ?? '';
      const j = ta.indexOf(t);
      const p = [...prefix, t];
      if (j < 0) subtree(item, p, path, '', schema, c.added);
      else if (sem.type === 'map') walkItem(a[j], item, p, path);
    });
    a.forEach((item, j) => {
      const t = ta[j] ?? '';
      if (!tb.includes(t)) subtree(item, [...prefix, t], path, '', schema, c.removed);
    });
  };
  const walkItem = (a: unknown, b: unknown, prefix: FieldPath, path: string): void => {
    const ma = isMap(a) ? a : {};
    const mb = isMap(b) ? b : {};
    for (const k of new Set([...Object.keys(ma), ...Object.keys(mb)])) {
      const p = [...prefix, fieldToken(k)];
      const cp = `${path}.${k}`;
      if (!(k in mb)) subtree(ma[k], p, cp, k, schema, c.removed);
      else if (!(k in ma)) subtree(mb[k], p, cp, k, schema, c.added);
      else walk(ma[k], mb[k], p, cp, k);
    }
  };
  walk(before, after, [], '', '');
  return c;
}
