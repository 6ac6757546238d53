import { InvalidError, BadRequestError } from '../errors/index.js';

/** One RFC 6902 operation. */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw new BadRequestError(`invalid JSON pointer "${ptr}"`);
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function walk(doc: unknown, tokens: string[], ptr: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i] ?? '';
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[t];
    else cur = undefined;
    if (cur === undefined) throw new InvalidError(`json patch: path "${ptr}" does not exist`);
  }
  if (cur === null || typeof cur !== 'object') {
    throw new InvalidError(`json patch: path "${ptr}" does not exist`);
  }
  return { parent: cur as Container, key: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: unknown, ptr: string): unknown {
  const tokens = parsePointer(ptr);
  if (tokens.length === 0) return doc;
  const { parent, key } = walk(doc, tokens, ptr);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined) throw new InvalidError(`json patch: path "${ptr}" does not exist`);
  return v;
}

function remove(doc: unknown, ptr: string): unknown {
  const tokens = parsePointer(ptr);
  const { parent, key } = walk(doc, tokens, ptr);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) {
      throw new InvalidError(`json patch: index out of range at "${ptr}"`);
    }
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw new InvalidError(`json patch: path "${ptr}" does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: unknown, ptr: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(ptr);
  if (tokens.length === 0) return value;
  const { parent, key } = walk(doc, tokens, ptr);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length - (replace ? 1 : 0)) {
      throw new InvalidError(`json patch: index out of range at "${ptr}"`);
    }
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else {
    if (replace && !(key in parent)) {
      throw new InvalidError(`json patch: path "${ptr}" does not exist`);
    }
    parent[key] = value;
  }
  return doc;
}

/**
 * Applies an RFC 6902 JSON patch to a copy of `doc`.
 * @throws BadRequestError for a malformed patch, InvalidError for a patch that does not apply.
 */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new BadRequestError('json patch must be an array of operations');
  let out: unknown = structuredClone(doc);
  for (const raw of ops as JsonPatchOp[]) {
    if (raw === null || typeof raw !== 'object' || typeof raw.path !== 'string') {
      throw new BadRequestError('json patch operation needs "op" and "path"');
    }
    switch (raw.op) {
      case 'add':
        out = add(out, raw.path, structuredClone(raw.value), false);
        break;
      case 'replace':
        out = add(out, raw.path, structuredClone(raw.value), true);
        break;
      case 'remove':
        remove(out, raw.path);
        break;
      case 'move': {
        const v = remove(out, raw.from ?? '');
        out = add(out, raw.path, v, false);
        break;
      }
      case 'copy':
        out = add(out, raw.path, structuredClone(getAt(out, raw.from ?? '')), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(out, raw.path)) !== JSON.stringify(raw.value)) {
          throw new InvalidError(`json patch: test failed at "${raw.path}"`);
        }
        break;
      default:
        throw new BadRequestError(
          `json patch: unknown op "${String((raw as { op: unknown }).op)}"`,
        );
    }
  }
  return out;
}
