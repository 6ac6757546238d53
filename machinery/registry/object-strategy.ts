/**
 * The per-object part of the generic REST strategy, free of storage: what a request body must look
 * like, defaults and validation, and what an update keeps from the stored object.
 */
import type { KubeObject, StatusCause } from '../meta.js';
import { BadRequestError, InvalidError } from '../errors/index.js';
import { resourceApiVersion, type ResourceType } from '../resource-type.js';
import { validateObjectName } from './object-names.js';

/**
 * Who writes an update, handed to `ResourceType.admitUpdate`. Leave `user` out only for writes no
 * user asked for; admission treats an unknown writer as untrusted.
 */
export interface UpdateWriter {
  user?: string | undefined;
  /** `status` or a custom subresource (e.g. `approval`); undefined for the main resource. */
  subresource?: string | undefined;
}

function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

/**
 * The body as an object of `rt` in `namespace`: kind, apiVersion and namespace checked and filled,
 * in a copy of `body` unless the caller `owned` it (then `body` itself is filled and returned).
 * @throws BadRequestError
 */
export function checkBody(
  rt: ResourceType,
  namespace: string | undefined,
  body: unknown,
  owned = false,
): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('the request body must be a JSON object');
  }
  const obj = body as KubeObject;
  const want = resourceApiVersion(rt);
  if (obj.kind !== undefined && obj.kind !== rt.kind) {
    throw new BadRequestError(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${rt.kind})`,
    );
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw new BadRequestError(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${want})`,
    );
  }
  if (obj.metadata !== undefined && (typeof obj.metadata !== 'object' || obj.metadata === null)) {
    throw new BadRequestError('metadata must be an object');
  }
  const out = owned ? obj : structuredClone(obj);
  out.kind = rt.kind;
  out.apiVersion = want;
  out.metadata ??= {};
  if (rt.namespaced) {
    if (out.metadata.namespace !== undefined && out.metadata.namespace !== namespace) {
      throw new BadRequestError(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (namespace !== undefined) out.metadata.namespace = namespace;
  } else {
    delete out.metadata.namespace;
  }
  return out;
}

/**
 * Applies the type's defaults, then validates names, labels and the type's rules.
 * @throws InvalidError with every cause
 */
export function validateObject(
  rt: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
): void {
  rt.defaults?.(obj);
  const causes: StatusCause[] = [];
  if (obj.metadata.name !== undefined) {
    causes.push(...(rt.validateName ?? validateObjectName)(obj.metadata.name));
  }
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (
      typeof v !== 'string' ||
      v.length > 63 ||
      !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)
    ) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `metadata.labels`,
        message: `Invalid value: "${String(v)}" for label ${k}`,
      });
    }
  }
  causes.push(...(rt.validate?.(obj, old) ?? []));
  if (causes.length > 0) {
    const name = obj.metadata.name ?? '';
    throw new InvalidError(
      `${rt.kind} "${name}" is invalid: ${causes.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`).join(', ')}`,
      { kind: rt.kind, group: rt.group, name, causes },
    );
  }
}

/**
 * The object an update stores: identity and bookkeeping kept from `old` (uid, creationTimestamp,
 * namespace, deletionTimestamp and its grace period, status of status-subresource types), generation bumped on spec
 * changes, update admission with `writer`, then validation.
 */
export function prepareUpdate(
  rt: ResourceType,
  next: KubeObject,
  old: KubeObject,
  writer: UpdateWriter,
): KubeObject {
  const m = next.metadata;
  const o = old.metadata;
  if (m.uid !== undefined && m.uid !== o.uid) {
    throw new InvalidError(
      `${rt.kind} "${o.name ?? ''}" is invalid: metadata.uid: Invalid value: field is immutable`,
      {
        kind: rt.kind,
        group: rt.group,
        name: o.name ?? '',
        causes: [
          { reason: 'FieldValueInvalid', field: 'metadata.uid', message: 'field is immutable' },
        ],
      },
    );
  }
  if (o.uid !== undefined) m.uid = o.uid;
  if (o.creationTimestamp !== undefined) m.creationTimestamp = o.creationTimestamp;
  if (o.namespace === undefined) delete m.namespace;
  else m.namespace = o.namespace;
  if (o.deletionTimestamp !== undefined) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  // only DELETE sets or shortens the grace period
  if (o.deletionGracePeriodSeconds !== undefined) {
    m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  } else delete m.deletionGracePeriodSeconds;
  if (o.resourceVersion !== undefined) m.resourceVersion = o.resourceVersion;
  if (rt.subresources?.status && next.status === undefined && old.status !== undefined) {
    // main-resource writes never change status
    next.status = old.status;
  }
  m.generation = o.generation ?? 1;
  if (specOf(next) !== specOf(old)) m.generation += 1;
  rt.admitUpdate?.(next, old, {
    operation: 'UPDATE',
    user: writer.user,
    subresource: writer.subresource,
  });
  validateObject(rt, next, old);
  return next;
}

/** Keeps status from `old` (main-resource writes of types with a status subresource). */
export function keepStatus(next: KubeObject, old: KubeObject): KubeObject {
  const out = structuredClone(next);
  if (old.status === undefined) delete out.status;
  else out.status = old.status;
  return out;
}
