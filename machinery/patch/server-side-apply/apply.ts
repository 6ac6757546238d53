/**
 * Server-side apply and update ownership, as kube-apiserver's field manager (structured-merge-diff
 * `Updater.Apply` / `Updater.Update`):
 *
 * - **Apply** merges the applied configuration into the live object; the applier's entry becomes
 *   exactly the configuration's field set; fields it owned before and no longer applies are removed
 *   from the object unless another manager owns them too; fields the apply adds or changes that
 *   another manager owns are conflicts (409) unless forced, which moves them to the applier.
 * - **Update** (create, replace, other patches, subresources) gives the writer every field it added
 *   or changed, taking it from the other managers; removed fields leave every manager.
 *
 * Both work on plain objects and return the result with `metadata.managedFields` encoded.
 */
import type { KubeObject } from '../../meta.js';
import { BadRequestError } from '../../errors/index.js';
import type { ApplySchema } from './apply-schema.js';
import { ApplyConflictError, type FieldConflict } from './apply-conflict-error.js';
import { compareObjects, configFieldSet, isMap, type Comparison } from './field-paths.js';
import { FieldSet, canonicalJson, type FieldPath } from './field-set.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  isResetManagedFields,
  managerId,
  InvalidManagedFieldsError,
  type ManagedFields,
  type ManagerEntry,
} from './managed-fields.js';
import { mergeConfig, removeField, withoutNulls } from './merge.js';

/** Who writes, through which endpoint, and how the type's fields behave. */
export interface FieldManagerScope {
  /** The field manager's name. */
  manager: string;
  /** The apiVersion written through (`apps/v1`). */
  apiVersion: string;
  /** `status`, `scale`...; undefined for the main resource. */
  subresource?: string;
  schema: ApplySchema;
  /** Fields no manager owns (server-set metadata, status of a main-resource write...). */
  ignored: (path: FieldPath) => boolean;
  /** RFC 3339 time of this write. */
  now: string;
}

/** Metadata fields the server sets: never owned (Kubernetes' stripMeta, plus deletion marks). */
const SERVER_SET_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
]);

/**
 * The ignored-fields rule for a write: apiVersion, kind and server-set metadata always; for a type
 * with a status subresource, `status` on main-resource writes and everything but `status` on
 * status writes (the registry discards those parts anyway).
 */
export function ignoredFields(
  statusSubresource: boolean,
  subresource: string | undefined,
): (path: FieldPath) => boolean {
  return (path) => {
    const [first, second] = path;
    if (first === 'f:apiVersion' || first === 'f:kind') return true;
    if (
      first === 'f:metadata' &&
      second !== undefined &&
      SERVER_SET_METADATA.has(second.slice(2))
    ) {
      return true;
    }
    if (!statusSubresource) return false;
    if (subresource === 'status') return first !== 'f:status';
    return subresource === undefined && first === 'f:status';
  };
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function decodeOrEmpty(list: KubeObject['metadata']['managedFields']): ManagedFields {
  try {
    return decodeManagedFields(list);
  } catch (err) {
    // as kube-apiserver: undecodable stored fields are dropped rather than failing every write
    if (err instanceof InvalidManagedFieldsError) return new Map();
    throw err;
  }
}

function filtered(c: Comparison, keep: (p: FieldPath) => boolean): Comparison {
  return {
    added: c.added.filter(keep),
    modified: c.modified.filter(keep),
    removed: c.removed.filter(keep),
  };
}

function store(obj: KubeObject, managers: ManagedFields): KubeObject {
  const list = encodeManagedFields(managers);
  if (list.length > 0) obj.metadata.managedFields = list;
  else delete obj.metadata.managedFields;
  return obj;
}

/**
 * Applies `config` to `live` for `scope.manager` (the result is a new object).
 * @throws BadRequestError when the configuration is not an object or sets metadata.managedFields
 * @throws ApplyConflictError when, without `force`, it changes fields another manager owns
 */
export function applyConfiguration(
  live: KubeObject,
  config: unknown,
  scope: FieldManagerScope,
  force: boolean,
): KubeObject {
  if (!isMap(config)) throw new BadRequestError('the applied configuration must be an object');
  if (isMap(config.metadata) && config.metadata.managedFields !== undefined) {
    throw new BadRequestError('metadata.managedFields must be nil');
  }
  const keep = (p: FieldPath): boolean => !scope.ignored(p);
  const cfg = withoutNulls(config);
  const configSet = configFieldSet(cfg, scope.schema).filter(keep);
  const liveBody = withoutManagedFields(live);
  const merged = mergeConfig(liveBody, cfg, scope.schema) as KubeObject;
  const managers = decodeOrEmpty(live.metadata.managedFields);
  const self: ManagerEntry = {
    manager: scope.manager,
    operation: 'Apply',
    apiVersion: scope.apiVersion,
    fields: configSet,
  };
  if (scope.subresource !== undefined) self.subresource = scope.subresource;
  const id = managerId(self);
  const previous = managers.get(id);
  if (previous?.time !== undefined) self.time = previous.time;
  managers.set(id, self);
  if (previous) prune(merged, previous.fields, managers);
  const cmp = filtered(compareObjects(liveBody, merged, scope.schema), keep);
  const changed = cmp.added.union(cmp.modified);
  const conflicts: FieldConflict[] = [];
  for (const [mid, m] of managers) {
    if (mid === id) continue;
    for (const path of m.fields.intersection(changed).paths()) conflicts.push({ manager: m, path });
  }
  if (conflicts.length > 0 && !force) throw new ApplyConflictError(conflicts);
  for (const [mid, m] of managers) {
    if (mid !== id) m.fields = m.fields.difference(changed).difference(cmp.removed);
  }
  const objectChanged = canonicalJson(liveBody) !== canonicalJson(merged);
  if (objectChanged || !previous?.fields.equals(configSet) || self.time === undefined) {
    self.time = scope.now;
  }
  return store(merged, managers);
}

/** Removes from `obj` the fields of `lastApplied` that no manager owns any more. */
function prune(obj: KubeObject, lastApplied: FieldSet, managers: ManagedFields): void {
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.fields);
  const gone = lastApplied.difference(owned).paths();
  // shallowest first: a list item goes whole before its key fields could be removed one by one
  gone.sort((a, b) => a.length - b.length);
  for (const path of gone) if (!owned.hasDescendantOf(path)) removeField(obj, path);
}

/**
 * Records an update of `before` into `after` by `scope.manager` and returns `after` with its
 * managedFields. `compareTo` is `after` as it will be stored (defaults applied) when that differs.
 * managedFields the client sent with a main-resource write are honoured; an empty list (or one
 * empty entry) resets them; absent ones, and any sent to a subresource, keep the stored ones.
 */
export function recordUpdate(
  before: KubeObject,
  after: KubeObject,
  scope: FieldManagerScope,
  compareTo: KubeObject = after,
): KubeObject {
  const sent = after.metadata.managedFields;
  let managers: ManagedFields;
  if (scope.subresource === undefined && isResetManagedFields(sent)) managers = new Map();
  else if (scope.subresource === undefined && sent !== undefined && sent.length > 0) {
    managers = decodeOrEmpty(sent);
    if (managers.size === 0) managers = decodeOrEmpty(before.metadata.managedFields);
  } else managers = decodeOrEmpty(before.metadata.managedFields);
  const keep = (p: FieldPath): boolean => !scope.ignored(p);
  const cmp = filtered(
    compareObjects(withoutManagedFields(before), withoutManagedFields(compareTo), scope.schema),
    keep,
  );
  const taken = cmp.added.union(cmp.modified);
  const self: ManagerEntry = {
    manager: scope.manager,
    operation: 'Update',
    apiVersion: scope.apiVersion,
    fields: new FieldSet(),
  };
  if (scope.subresource !== undefined) self.subresource = scope.subresource;
  const id = managerId(self);
  for (const [mid, m] of managers) {
    if (mid !== id) m.fields = m.fields.difference(taken).difference(cmp.removed);
  }
  const previous = managers.get(id);
  self.fields = (previous?.fields ?? new FieldSet()).difference(cmp.removed).union(taken);
  if (taken.isEmpty()) {
    if (previous?.time !== undefined) self.time = previous.time;
  } else self.time = scope.now;
  managers.set(id, self);
  return store(after, managers);
}
