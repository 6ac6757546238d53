/**
 * Strategic merge patch (the subset kubectl uses): maps merge recursively, `null` deletes a key,
 * lists of objects with a known merge key are merged by that key (`$patch: delete` removes an item,
 * `$patch: replace` replaces the list), `$setElementOrder/<field>` orders merged lists,
 * `$deleteFromPrimitiveList/<field>` removes scalars, `$retainKeys` keeps only the named keys, and
 * other lists are replaced.
 */

/** Merge keys for lists by field name, as in the Kubernetes built-in types. */
export const DEFAULT_MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  conditions: 'type',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  tolerations: 'key',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
};

/** Merge keys that depend on the path (Service ports merge by `port`). */
export type MergeKeyLookup = (path: string, field: string) => string | undefined;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Default lookup: explicit `.a.b.c` paths first, then field-name defaults. */
export function mergeKeyLookup(explicit: Record<string, string> = {}): MergeKeyLookup {
  return (path, field) => explicit[path] ?? DEFAULT_MERGE_KEYS[field];
}

function mergeList(
  target: unknown[],
  patch: unknown[],
  key: string,
  order: unknown[] | undefined,
  path: string,
  lookup: MergeKeyLookup,
): unknown[] {
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace'));
  }
  const out = target.map((t) => structuredClone(t));
  for (const p of patch) {
    if (!isObject(p)) continue;
    const id = p[key];
    const idx = out.findIndex((t) => isObject(t) && t[key] === id);
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = mergeMap(out[idx], p, path, lookup);
    else out.push(mergeMap({}, p, path, lookup));
  }
  if (order) {
    const rank = (v: unknown): number => {
      const i = order.findIndex((o) => isObject(o) && isObject(v) && o[key] === v[key]);
      return i < 0 ? order.length : i;
    };
    out.sort((a, b) => rank(a) - rank(b));
  }
  return out;
}

function mergeMap(
  target: unknown,
  patch: Record<string, unknown>,
  path: string,
  lookup: MergeKeyLookup,
): unknown {
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    const childPath = `${path}.${k}`;
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      const key = lookup(childPath, k);
      const cur = out[k];
      if (key !== undefined && v.every((x) => isObject(x))) {
        const order = patch[`$setElementOrder/${k}`];
        out[k] = mergeList(
          Array.isArray(cur) ? cur : [],
          v,
          key,
          Array.isArray(order) ? order : undefined,
          childPath,
          lookup,
        );
      } else {
        out[k] = structuredClone(v);
      }
    } else if (isObject(v)) {
      const merged = mergeMap(out[k], v, childPath, lookup);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

/** Applies a strategic merge patch to a copy of `target`. */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  lookup: MergeKeyLookup = mergeKeyLookup(),
): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  return mergeMap(structuredClone(target), patch, '', lookup) ?? {};
}
