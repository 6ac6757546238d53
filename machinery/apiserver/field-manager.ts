/**
 * Field management of API requests (kube-apiserver's `fieldmanager` in the REST handlers): every
 * create, update and patch records who wrote which fields in `metadata.managedFields`, and
 * `PATCH` with `application/apply-patch+yaml` is server-side apply. The request's manager is its
 * `fieldManager` query parameter, else the User-Agent up to its first `/` (`kubectl/v1.32.0 ...`
 * → `kubectl`). Apply requires `fieldManager` and takes `force`; other patches may not set it.
 * The handlers use it through {@link fieldManagedRegistry}, a registry whose writes record
 * ownership, plus {@link RequestFieldManager.apply} inside the PATCH read-modify-write.
 */
import type { Context } from 'koa';
import type { KubeObject } from '../meta.js';
import { InvalidError } from '../errors/index.js';
import { GenericRegistry, type UpdateWriter } from '../registry/generic-registry.js';
import { metaTimestamp } from '../registry/graceful-deletion.js';
import { resourceApiVersion, type ResourceType } from '../resource-type.js';
import {
  applyConfiguration,
  applySchemaOf,
  ignoredFields,
  isMap,
  recordUpdate,
  type FieldManagerScope,
} from '../patch/server-side-apply/index.js';
import { BadRequestError } from '../errors/index.js';

/** Longest manager name Kubernetes accepts. */
const MAX_MANAGER_LENGTH = 128;

function queryValue(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

function optionsInvalid(kind: string, field: string, detail: string, reason: string): InvalidError {
  return new InvalidError(`${kind}.meta.k8s.io "" is invalid: ${field}: ${detail}`, {
    kind,
    group: 'meta.k8s.io',
    causes: [{ reason, message: detail, field }],
  });
}

function isApplyPatch(ctx: Context): boolean {
  return (
    ctx.method === 'PATCH' &&
    (ctx.get('content-type').split(';')[0]?.trim() ?? '') === 'application/apply-patch+yaml'
  );
}

/** The field manager of one request. */
export class RequestFieldManager {
  /** Apply for server-side apply, Update for every other write. */
  readonly operation: 'Apply' | 'Update';
  readonly manager: string;
  /** `force=true`: an apply takes conflicting fields. */
  readonly force: boolean;
  private readonly now: () => Date;
  /** managedFields computed by the last {@link apply} (one per read-modify-write attempt). */
  private applied: KubeObject['metadata']['managedFields'] | null = null;

  private constructor(
    operation: 'Apply' | 'Update',
    manager: string,
    force: boolean,
    now: () => Date,
  ) {
    this.operation = operation;
    this.manager = manager;
    this.force = force;
    this.now = now;
  }

  /**
   * The field manager of a request, with Kubernetes' checks of its options.
   * @throws InvalidError (422) for an apply without fieldManager, `force` on another write, or a
   *   manager name over 128 characters
   */
  static fromRequest(ctx: Context, now: () => Date = () => new Date()): RequestFieldManager {
    const apply = isApplyPatch(ctx);
    const kind =
      ctx.method === 'POST'
        ? 'CreateOptions'
        : ctx.method === 'PUT'
          ? 'UpdateOptions'
          : 'PatchOptions';
    const fieldManager = queryValue(ctx, 'fieldManager') ?? '';
    const force = queryValue(ctx, 'force');
    if (apply && fieldManager === '') {
      throw optionsInvalid(
        kind,
        'fieldManager',
        'Required value: is required for apply patch',
        'FieldValueRequired',
      );
    }
    if (!apply && force !== undefined && ctx.method === 'PATCH') {
      throw optionsInvalid(
        kind,
        'force',
        'Forbidden: may not be specified for non-apply patch',
        'FieldValueForbidden',
      );
    }
    if (force !== undefined && force !== 'true' && force !== 'false') {
      throw new BadRequestError(`invalid force "${force}": must be true or false`);
    }
    if (fieldManager.length > MAX_MANAGER_LENGTH) {
      throw optionsInvalid(
        kind,
        'fieldManager',
        `Too long: may not be longer than ${String(MAX_MANAGER_LENGTH)}`,
        'FieldValueTooLong',
      );
    }
    const manager =
      fieldManager !== '' ? fieldManager : (ctx.get('user-agent').split('/')[0] ?? '');
    return new RequestFieldManager(apply ? 'Apply' : 'Update', manager, force === 'true', now);
  }

  private scope(rt: ResourceType, subresource: string | undefined): FieldManagerScope {
    const scope: FieldManagerScope = {
      manager: this.manager,
      apiVersion: resourceApiVersion(rt),
      schema: applySchemaOf(rt),
      ignored: ignoredFields(rt.subresources?.status === true, subresource),
      now: metaTimestamp(this.now().getTime()),
    };
    if (subresource !== undefined) scope.subresource = subresource;
    return scope;
  }

  /**
   * Server-side apply of `config` to `current` (inside a read-modify-write): the merged object.
   * Its managedFields are re-attached by {@link finish} after the handler's status handling.
   * @throws ApplyConflictError, BadRequestError
   */
  apply(rt: ResourceType, current: KubeObject, config: unknown, subresource?: string): KubeObject {
    if (config !== null && typeof config === 'object' && !Array.isArray(config)) {
      const c = config as Partial<KubeObject>;
      if (c.kind !== undefined && c.kind !== rt.kind) {
        throw new BadRequestError(
          `the kind in the data (${String(c.kind)}) does not match the expected kind (${rt.kind})`,
        );
      }
      if (c.apiVersion !== undefined && c.apiVersion !== resourceApiVersion(rt)) {
        throw new BadRequestError(
          `the API version in the data (${String(c.apiVersion)}) does not match the expected API version (${resourceApiVersion(rt)})`,
        );
      }
    }
    const merged = applyConfiguration(current, config, this.scope(rt, subresource), this.force);
    this.applied = merged.metadata.managedFields;
    return merged;
  }

  /**
   * The object a create stores: its managedFields recorded (an apply that creates applies to
   * nothing). An update's is a copy of `body` of its own; an apply's may share parts with `body`.
   */
  created(rt: ResourceType, body: unknown): unknown {
    if (!isMap(body)) return body;
    const empty: KubeObject = { apiVersion: resourceApiVersion(rt), kind: rt.kind, metadata: {} };
    if (this.operation === 'Apply') {
      return applyConfiguration(empty, body, this.scope(rt, undefined), this.force);
    }
    const obj = structuredClone(body) as KubeObject;
    obj.metadata ??= {};
    return recordUpdate(empty, obj, this.scope(rt, undefined), defaulted(rt, obj));
  }

  /** The object an update stores: ownership of `next` (mutated from `before`) recorded. */
  finish(rt: ResourceType, before: KubeObject, next: KubeObject, subresource?: string): KubeObject {
    if (this.operation === 'Apply' && this.applied !== null) {
      const list = this.applied;
      this.applied = null;
      if (list === undefined) delete next.metadata.managedFields;
      else next.metadata.managedFields = list;
      return next;
    }
    return recordUpdate(before, next, this.scope(rt, subresource), defaulted(rt, next));
  }
}

/** `obj` with the type's defaults, as the registry will store it (for what the writer set). */
function defaulted(rt: ResourceType, obj: KubeObject): KubeObject {
  if (!rt.defaults) return obj;
  const copy = structuredClone(obj);
  try {
    rt.defaults(copy);
  } catch {
    // a body the defaults cannot handle fails validation in the registry; compare it as sent
    return obj;
  }
  return copy;
}

/** A registry whose creates and updates record `fm`'s ownership in managedFields. */
class FieldManagedRegistry extends GenericRegistry {
  private readonly fm: RequestFieldManager;

  constructor(inner: GenericRegistry, fm: RequestFieldManager) {
    super({ storage: inner.storage, admission: inner.admission });
    this.fm = fm;
  }

  override create(
    rt: ResourceType,
    namespace: string | undefined,
    body: unknown,
    user?: string,
  ): Promise<KubeObject> {
    // an update's object is a fresh copy of the body: the registry fills it in instead of a copy
    const owned = this.fm.operation === 'Update' && isMap(body);
    return this.createFrom(rt, namespace, this.fm.created(rt, body), user, owned);
  }

  override guaranteedUpdate(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    expectedRv: string | undefined,
    mutate: (current: KubeObject, stored: Readonly<KubeObject>) => KubeObject,
    writer: UpdateWriter = {},
  ): Promise<KubeObject> {
    return super.guaranteedUpdate(
      rt,
      namespace,
      name,
      expectedRv,
      // `stored` stays as it was read (the cache's copy is frozen): it is the write's "before"
      (current, stored) => this.fm.finish(rt, stored, mutate(current, stored), writer.subresource),
      writer,
    );
  }
}

/** `registry` for one request: writes through it record `fm`'s field ownership. */
export function fieldManagedRegistry(
  registry: GenericRegistry,
  fm: RequestFieldManager,
): GenericRegistry {
  return new FieldManagedRegistry(registry, fm);
}
