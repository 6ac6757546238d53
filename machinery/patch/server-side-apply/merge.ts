/**
 * The object side of server-side apply: merging an applied configuration into the live object
 * under the type's list semantics (maps merge by field, associative lists by key, set lists by
 * value, anything atomic is replaced), and removing the fields an applier gave up.
 */
import type { ApplySchema } from './apply-schema.js';
import { isMap, itemKey, itemTokens, listOf } from './field-paths.js';
import { canonicalJson, type FieldPath } from './field-set.js';

/** A copy of `v` without null values (an applied `null` specifies nothing, e.g. `creationTimestamp: null`). */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(withoutNulls);
  if (!isMap(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
  return out;
}

/** `config` merged into `live` (neither is changed). */
export function mergeConfig(live: unknown, config: unknown, schema: ApplySchema): unknown {
  const merge = (l: unknown, c: unknown, path: string, field: string): unknown => {
    if (isMap(l) && isMap(c) && !schema.atomicMap(path)) {
      const out: Record<string, unknown> = { ...l };
      for (const [k, v] of Object.entries(c)) {
        out[k] = k in l ? merge(l[k], v, `${path}.${k}`, k) : structuredClone(v);
      }
      return out;
    }
    if (Array.isArray(l) && Array.isArray(c)) {
      const sl = listOf(schema, path, field, l);
      const sc = listOf(schema, path, field, c);
      if (sl.type !== 'atomic' && sl.type === sc.type) {
        const out: unknown[] = l.map((x: unknown) => structuredClone(x));
        const tl = itemTokens(sl, l);
        itemTokens(sc, c).forEach((t, i) => {
          const j = tl.indexOf(t);
          if (j < 0) out.push(structuredClone(c[i]));
          else if (sl.type === 'map') out[j] = merge(out[j], c[i], path, field);
        });
        return out;
      }
    }
    return structuredClone(c);
  };
  return merge(live, config, '', '');
}

/** Removes the field at `path` from `obj` in place; a missing field is no error. */
export function removeField(obj: unknown, path: FieldPath): void {
  let node: unknown = obj;
  for (let i = 0; i < path.length; i++) {
    const token = path[i] ?? '';
    const last = i === path.length - 1;
    const body = token.slice(2);
    if (token.startsWith('f:')) {
      if (!isMap(node)) return;
      if (last) delete node[body];
      else node = node[body];
      continue;
    }
    if (!Array.isArray(node)) return;
    const list: unknown[] = node;
    let idx = -1;
    if (token.startsWith('k:')) {
      const key = JSON.parse(body) as Record<string, unknown>;
      const keys = Object.keys(key);
      idx = list.findIndex((x) => canonicalJson(itemKey(x, keys)) === canonicalJson(key));
    } else if (token.startsWith('v:')) {
      idx = list.findIndex((x) => canonicalJson(x) === body);
    } else {
      idx = Number(body);
    }
    if (idx < 0 || idx >= list.length) return;
    if (last) list.splice(idx, 1);
    else node = list[idx];
  }
}
