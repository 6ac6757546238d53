/**
 * Field paths of the declarative interpreter rules (a JSONPath subset): `.spec.replicas`,
 * `.spec.containers[0].image`, `.spec.containers[*].resources.requests`,
 * `.metadata.annotations['example.io/size']`. The grammar is fixed and parsed by hand — a path is
 * one or more segments, each `.name` (letters, digits, `_`, `-`), `[n]` (a non-negative index),
 * `[*]` (every item of a list) or `['key']` (any key without `'`) — and applied to plain JSON: no
 * expressions, no filters, no user-supplied regular expressions, nothing is run.
 */
import { FieldPathSyntaxError } from './interpreter-errors.js';

/** One step of a path: a key of an object, an index of a list, or every item of a list. */
export type PathSegment =
  { type: 'key'; key: string } | { type: 'index'; index: number } | { type: 'all' };

/** A parsed path (its source kept for messages). */
export interface FieldPath {
  readonly source: string;
  readonly segments: readonly PathSegment[];
  /** True when some segment is `[*]` (the path may match several values; it cannot be written). */
  readonly wildcard: boolean;
}

/** Longest path accepted (a path is a short pointer into an object, never a program). */
export const MAX_PATH_LENGTH = 256;

const NAME_CHAR = /^[A-Za-z0-9_-]$/;

function bracket(src: string, at: number): { seg: PathSegment; next: number } {
  const close = src.indexOf(']', at);
  if (close < 0) throw new FieldPathSyntaxError(src, at, "'[' without ']'");
  const inner = src.slice(at + 1, close);
  if (inner === '*') return { seg: { type: 'all' }, next: close + 1 };
  if (/^(0|[1-9][0-9]{0,8})$/.test(inner)) {
    return { seg: { type: 'index', index: Number(inner) }, next: close + 1 };
  }
  if (inner.length >= 3 && inner.startsWith("'") && inner.endsWith("'")) {
    const key = inner.slice(1, -1);
    if (!key.includes("'")) return { seg: { type: 'key', key }, next: close + 1 };
  }
  throw new FieldPathSyntaxError(src, at, `[${inner}] is not [n], [*] or ['key']`);
}

/**
 * Parses a path.
 * @throws FieldPathSyntaxError (not retryable) when `src` is not in the grammar
 */
export function parseFieldPath(src: string): FieldPath {
  if (src.length === 0) throw new FieldPathSyntaxError(src, 0, 'empty path');
  if (src.length > MAX_PATH_LENGTH) {
    throw new FieldPathSyntaxError(src, MAX_PATH_LENGTH, `longer than ${MAX_PATH_LENGTH}`);
  }
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '[') {
      const { seg, next } = bracket(src, i);
      segments.push(seg);
      i = next;
    } else if (ch === '.') {
      let j = i + 1;
      while (j < src.length && NAME_CHAR.test(src[j] ?? '')) j++;
      if (j === i + 1) throw new FieldPathSyntaxError(src, i, "'.' must be followed by a name");
      segments.push({ type: 'key', key: src.slice(i + 1, j) });
      i = j;
    } else {
      throw new FieldPathSyntaxError(src, i, `unexpected ${JSON.stringify(ch)}`);
    }
  }
  return { source: src, segments, wildcard: segments.some((s) => s.type === 'all') };
}

/** The syntax problem of `src`, or undefined when it parses (for API validation). */
export function fieldPathProblem(src: unknown): string | undefined {
  if (typeof src !== 'string') return 'must be a string';
  try {
    parseFieldPath(src);
    return undefined;
  } catch (err) {
    if (err instanceof FieldPathSyntaxError) return err.message;
    throw err;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every value `path` leads to in `obj` (none when it leads nowhere). Never mutates `obj`. */
export function readPath(obj: unknown, path: FieldPath): unknown[] {
  let cur: unknown[] = [obj];
  for (const seg of path.segments) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (seg.type === 'key') {
        // own keys only: `__proto__` or `constructor` never reach the prototype
        if (isRecord(v) && Object.hasOwn(v, seg.key)) next.push(v[seg.key]);
      } else if (Array.isArray(v)) {
        if (seg.type === 'all') next.push(...(v as unknown[]));
        else if (seg.index < v.length) next.push((v as unknown[])[seg.index]);
      }
    }
    cur = next.filter((x) => x !== undefined);
  }
  return cur;
}

/**
 * Sets the value at a path without `[*]` in `obj` (mutated), creating the missing objects (and
 * lists, for an index just past the end) on the way. Returns false, leaving `obj` as it was up to
 * that point, when the path runs into a value of another shape (a string where an object is
 * needed, an index beyond the end of a list).
 */
export function writePath(obj: Record<string, unknown>, path: FieldPath, value: unknown): boolean {
  let cur: unknown = obj;
  const segs = path.segments;
  for (let n = 0; n < segs.length; n++) {
    const seg = segs[n];
    if (seg === undefined || seg.type === 'all') return false;
    const last = n === segs.length - 1;
    const child = (): unknown => (last ? value : segs[n + 1]?.type === 'index' ? [] : {});
    if (seg.type === 'key') {
      if (!isRecord(cur)) return false;
      if (last || !Object.hasOwn(cur, seg.key) || cur[seg.key] === null) {
        Object.defineProperty(cur, seg.key, {
          value: child(),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      cur = cur[seg.key];
    } else {
      if (!Array.isArray(cur) || seg.index > cur.length) return false;
      const arr = cur as unknown[];
      if (last || arr[seg.index] === undefined || arr[seg.index] === null) arr[seg.index] = child();
      cur = arr[seg.index];
    }
  }
  return true;
}
