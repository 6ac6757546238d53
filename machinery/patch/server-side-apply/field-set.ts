/**
 * Field sets as server-side apply tracks them (structured-merge-diff's `fieldpath.Set`): a set of
 * paths into an object, each path a list of elements — a map field (`f:replicas`), an associative
 * list item by its key fields (`k:{"name":"web"}`), a set-list value (`v:"x"`) or a list index
 * (`i:0`). A path is a *member* when the field it names is owned itself; its ancestors are then
 * implied. The set serialises to the FieldsV1 JSON of `metadata.managedFields[].fieldsV1`, where a
 * member that also has member descendants is marked with a `.` key.
 */

/** One element of a field path, as its FieldsV1 token (`f:name`, `k:{...}`, `v:...`, `i:n`). */
export type PathToken = string;

/** A path into an object. */
export type FieldPath = readonly PathToken[];

/** JSON text with object keys sorted, so equal keys and values encode identically. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The token of map field `name`. */
export const fieldToken = (name: string): PathToken => `f:${name}`;
/** The token of the associative-list item whose key fields are `key`. */
export const keyToken = (key: Record<string, unknown>): PathToken => `k:${canonicalJson(key)}`;
/** The token of set-list value `value`. */
export const valueToken = (value: unknown): PathToken => `v:${canonicalJson(value)}`;
/** The token of list index `index`. */
export const indexToken = (index: number): PathToken => `i:${String(index)}`;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A path as Kubernetes prints it in conflict messages: `.spec.replicas`,
 * `.spec.template.spec.containers[name="web"].image`, `.metadata.finalizers[="x"]`.
 */
export function pathString(path: FieldPath): string {
  return path
    .map((t) => {
      const body = t.slice(2);
      switch (t.slice(0, 2)) {
        case 'f:':
          return `.${body}`;
        case 'k:': {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v:':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

/** Thrown by {@link FieldSet.fromFieldsV1} when a fieldsV1 value is not a FieldsV1 tree. */
export class InvalidFieldsV1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFieldsV1Error';
  }
}

const TOKEN = /^[fkvi]:/;

/** An immutable-by-convention set of field paths. */
export class FieldSet {
  /** Members by their JSON text; set operations reuse the keys instead of encoding again. */
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.add(p);
  }

  /** Adds `path` as a member. */
  add(path: FieldPath): void {
    this.members.set(JSON.stringify(path), [...path]);
  }

  /** Whether `path` is a member. */
  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }

  /** Number of members. */
  get size(): number {
    return this.members.size;
  }

  /** Whether there is no member. */
  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** The members, in insertion order. */
  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  /** Members of this set or `other`. */
  union(other: FieldSet): FieldSet {
    const set = this.where(() => true);
    for (const [k, p] of other.members) if (!set.members.has(k)) set.members.set(k, p);
    return set;
  }

  /** Members of this set not in `other`. */
  difference(other: FieldSet): FieldSet {
    return this.where((k) => !other.members.has(k));
  }

  /** Members of this set also in `other`. */
  intersection(other: FieldSet): FieldSet {
    return this.where((k) => other.members.has(k));
  }

  /** Members for which `keep` holds. */
  filter(keep: (path: FieldPath) => boolean): FieldSet {
    return this.where((_, p) => keep(p));
  }

  private where(keep: (key: string, path: FieldPath) => boolean): FieldSet {
    const set = new FieldSet();
    for (const [k, p] of this.members) if (keep(k, p)) set.members.set(k, p);
    return set;
  }

  /** Whether some member lies strictly below `path`. */
  hasDescendantOf(path: FieldPath): boolean {
    return this.paths().some((p) => p.length > path.length && path.every((t, i) => p[i] === t));
  }

  /** Whether both sets have the same members. */
  equals(other: FieldSet): boolean {
    if (this.size !== other.size) return false;
    for (const k of this.members.keys()) if (!other.members.has(k)) return false;
    return true;
  }

  /** The FieldsV1 tree of the set (`{"f:spec":{"f:replicas":{}}}`). */
  toFieldsV1(): Record<string, unknown> {
    const root: Record<string, unknown> = {};
    const sorted = this.paths().sort((a, b) => a.length - b.length);
    for (const path of sorted) {
      let node = root;
      for (const token of path) {
        const next = (node[token] ??= {}) as Record<string, unknown>;
        node = next;
      }
      // marked here; collapse() keeps `.` only where the member also has member descendants
      node['.'] = {};
    }
    return collapse(root) as Record<string, unknown>;
  }

  /**
   * The set a FieldsV1 tree encodes.
   * @throws InvalidFieldsV1Error when a key is not a path token or a value is not an object
   */
  static fromFieldsV1(tree: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, prefix: PathToken[]): void => {
      if (!isMap(node)) throw new InvalidFieldsV1Error(`fieldsV1 node is not an object`);
      const keys = Object.keys(node);
      if (keys.length === 0 && prefix.length > 0) set.add(prefix);
      for (const k of keys) {
        if (k === '.') {
          if (prefix.length > 0) set.add(prefix);
          continue;
        }
        if (!TOKEN.test(k)) throw new InvalidFieldsV1Error(`invalid fieldsV1 key ${k}`);
        walk(node[k], [...prefix, k]);
      }
    };
    walk(tree, []);
    return set;
  }
}

/** Turns the `.`-marked build tree into FieldsV1: leaf members become `{}`. */
function collapse(node: Record<string, unknown>): unknown {
  const children = Object.keys(node).filter((k) => k !== '.');
  if (children.length === 0) return {};
  const out: Record<string, unknown> = {};
  if ('.' in node) out['.'] = {};
  for (const k of children.sort()) out[k] = collapse(node[k] as Record<string, unknown>);
  return out;
}
