/**
 * `metadata.managedFields` as kube-apiserver keeps it: one entry per field manager — a manager
 * name, an operation (Apply or Update), the apiVersion and optional subresource it wrote through,
 * the time its fields last changed and its field set as FieldsV1. Entries are identified as
 * Kubernetes does: manager, operation and subresource, plus apiVersion for Update entries (an
 * applier keeps one entry whatever version it applies with). Encoded lists are sorted as
 * kube-apiserver sorts them (Apply before Update, then by time, manager, apiVersion, subresource).
 */
import type { ManagedFieldsEntry } from '../../meta.js';
import { FieldSet, InvalidFieldsV1Error } from './field-set.js';

/** How a manager wrote its fields. */
export type ManagedOperation = 'Apply' | 'Update';

/** One decoded managedFields entry. */
export interface ManagerEntry {
  manager: string;
  operation: ManagedOperation;
  apiVersion: string;
  /** RFC 3339 time of the manager's last change; absent when never recorded. */
  time?: string;
  subresource?: string;
  fields: FieldSet;
}

/** The decoded managedFields of an object, by {@link managerId}. */
export type ManagedFields = Map<string, ManagerEntry>;

/** Thrown by {@link decodeManagedFields} for entries that are not well-formed. */
export class InvalidManagedFieldsError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'InvalidManagedFieldsError';
  }
}

/** The identity of an entry: one entry per identity. */
export function managerId(
  e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  return JSON.stringify([
    e.manager,
    e.operation,
    e.operation === 'Update' ? e.apiVersion : '',
    e.subresource ?? '',
  ]);
}

/**
 * How Kubernetes prints a manager in conflict messages: `"a"`, `"kubectl" with subresource
 * "scale"`, and for Update managers ` using apps/v1` (and ` at <time>`).
 */
export function describeManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource !== undefined) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') {
    s += ` using ${e.apiVersion}`;
    if (e.time !== undefined) s += ` at ${e.time}`;
  }
  return s;
}

/**
 * Whether a client's managedFields ask for a reset: an empty list, or a list of one empty entry
 * (Kubernetes' `isResetManagedFields`). Absent means "keep what is stored".
 */
export function isResetManagedFields(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  if (list.length === 0) return true;
  const [only] = list as unknown[];
  return (
    list.length === 1 && only !== null && typeof only === 'object' && Object.keys(only).length === 0
  );
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') {
    throw new InvalidManagedFieldsError(`managedFields: ${what} must be a string`);
  }
  return v;
}

/**
 * Decodes a managedFields list (absent → empty).
 * @throws InvalidManagedFieldsError for a malformed entry or fieldsV1 tree
 */
export function decodeManagedFields(
  list: readonly ManagedFieldsEntry[] | undefined,
): ManagedFields {
  const out: ManagedFields = new Map();
  for (const raw of list ?? []) {
    const operation = raw.operation;
    if (operation !== 'Apply' && operation !== 'Update') {
      throw new InvalidManagedFieldsError(`managedFields: operation must be Apply or Update`);
    }
    if (raw.fieldsType !== undefined && raw.fieldsType !== 'FieldsV1') {
      throw new InvalidManagedFieldsError(`managedFields: fieldsType must be FieldsV1`);
    }
    let fields: FieldSet;
    try {
      fields = FieldSet.fromFieldsV1(raw.fieldsV1 ?? {});
    } catch (err) {
      if (err instanceof InvalidFieldsV1Error) {
        throw new InvalidManagedFieldsError(`managedFields: ${err.message}`, { cause: err });
      }
      throw err;
    }
    const entry: ManagerEntry = {
      manager: raw.manager === undefined ? '' : str(raw.manager, 'manager'),
      operation,
      apiVersion: raw.apiVersion === undefined ? '' : str(raw.apiVersion, 'apiVersion'),
      fields,
    };
    if (raw.time !== undefined) entry.time = str(raw.time, 'time');
    if (raw.subresource !== undefined && raw.subresource !== '') {
      entry.subresource = str(raw.subresource, 'subresource');
    }
    const id = managerId(entry);
    const prev = out.get(id);
    // duplicates (hand-edited lists) fold into one entry, as the decoder keeps one per identity
    if (prev) prev.fields = prev.fields.union(fields);
    else out.set(id, entry);
  }
  return out;
}

function compare(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Encodes managers with a non-empty field set, in kube-apiserver's order. */
export function encodeManagedFields(managers: ManagedFields): ManagedFieldsEntry[] {
  const entries = [...managers.values()].filter((e) => !e.fields.isEmpty());
  entries.sort(
    (p, q) =>
      compare(p.operation, q.operation) ||
      compare(p.time, q.time) ||
      compare(p.manager, q.manager) ||
      compare(p.apiVersion, q.apiVersion) ||
      compare(p.subresource, q.subresource),
  );
  return entries.map((e) => {
    const out: ManagedFieldsEntry = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
    };
    if (e.time !== undefined) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.fields.toFieldsV1();
    if (e.subresource !== undefined) out.subresource = e.subresource;
    return out;
  });
}
