import { randomBytes, randomUUID } from 'node:crypto';
import type { KubeList, KubeObject, WatchEvent } from '../meta.js';
import type { DeleteOptions, ListOptions, WatchOptions } from '../client/kube-client.js';
import {
  AlreadyExistsError,
  ApiError,
  BadRequestError,
  ConflictError,
  InvalidError,
  NotFoundError,
} from '../errors/index.js';
import { resourceApiVersion, type ResourceType, type StorageConversion } from '../resource-type.js';
import { parseFieldSelector, parseLabelSelector } from '../selectors/index.js';
import { ConvertingStorage } from '../storage/converting-storage.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { AsyncQueue } from '../util/async-queue.js';
import {
  checkBody,
  keepStatus,
  prepareUpdate,
  validateObject,
  type UpdateWriter,
} from './object-strategy.js';
import { objectStorageKey, qualifiedResource, resourcePrefix } from './object-names.js';

import { metaTimestamp, planDeletion } from './graceful-deletion.js';
import { validateCreateChain, type AdmissionPlugin } from './admission.js';

export { FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from './graceful-deletion.js';
export type { UpdateWriter } from './object-strategy.js';

/** A registry watch: iterate events; `stop()` ends it. */
export interface RegistryWatch extends AsyncIterable<WatchEvent> {
  stop(): void;
}

/** Options for {@link GenericRegistry}. */
export interface GenericRegistryOptions {
  storage: ObjectStorage;
  /** Clock for timestamps (tests). */
  now?: () => Date;
  /** Retries of read-modify-write loops on conflict. @defaultValue 5 */
  conflictRetries?: number;
  /** Admission plugins run on every create (kube-apiserver's Priority, ResourceQuota). */
  admission?: readonly AdmissionPlugin[];
}

/** The object's field-selector view: metadata.name, metadata.namespace and the type's own fields. */
export function objectFields(
  rt: ResourceType,
  obj: KubeObject,
): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {
    'metadata.name': obj.metadata.name,
    'metadata.namespace': obj.metadata.namespace,
  };
  for (const [k, f] of Object.entries(rt.fieldSelectors ?? {})) fields[k] = f(obj);
  return fields;
}

/**
 * The generic REST strategy shared by every resource: identity and metadata bookkeeping (uid,
 * creationTimestamp, generation, generateName), defaults and validation, status-subresource
 * separation, graceful deletion through deletionTimestamp + finalizers, selectors, and watch with
 * selector transitions (an object leaving the selector is reported DELETED, entering ADDED).
 */
export class GenericRegistry {
  readonly storage: ObjectStorage;
  /** Admission plugins of every create; registries derived from this one keep them. */
  readonly admission: readonly AdmissionPlugin[];
  private readonly now: () => Date;
  private readonly retries: number;
  private readonly views = new WeakMap<StorageConversion, ObjectStorage>();

  constructor(opts: GenericRegistryOptions) {
    this.storage = opts.storage;
    this.admission = opts.admission ?? [];
    this.now = opts.now ?? (() => new Date());
    this.retries = opts.conflictRetries ?? 5;
  }

  /** Where `rt`'s objects are read and written: a converting view for a second version. */
  private storageOf(rt: ResourceType): ObjectStorage {
    const conv = rt.storageConversion;
    if (!conv) return this.storage;
    let view = this.views.get(conv);
    if (!view) this.views.set(conv, (view = new ConvertingStorage(this.storage, conv)));
    return view;
  }

  private timestamp(): string {
    return metaTimestamp(this.now().getTime());
  }

  private notFound(rt: ResourceType, name: string): NotFoundError {
    return new NotFoundError(`${qualifiedResource(rt)} "${name}" not found`, {
      kind: rt.plural,
      group: rt.group,
      name,
    });
  }

  /** Creates an object. */
  create(
    rt: ResourceType,
    namespace: string | undefined,
    body: unknown,
    user?: string,
  ): Promise<KubeObject> {
    return this.createFrom(rt, namespace, body, user, false);
  }

  /**
   * {@link create}; with `owned`, `body` is the caller's own copy, which the create may change and
   * keep (no copy of it is made).
   */
  protected async createFrom(
    rt: ResourceType,
    namespace: string | undefined,
    body: unknown,
    user: string | undefined,
    owned: boolean,
  ): Promise<KubeObject> {
    const obj = checkBody(rt, namespace, body, owned);
    if (user !== undefined) rt.admit?.(obj, { user, operation: 'CREATE' });
    if (rt.namespaced && namespace === undefined) {
      throw new BadRequestError(`${rt.kind} is namespaced: a namespace is required`);
    }
    const meta = obj.metadata;
    if ((meta.name === undefined || meta.name === '') && meta.generateName) {
      meta.name = `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    if (meta.name === undefined || meta.name === '') {
      throw new InvalidError(
        `${rt.kind} is invalid: metadata.name: Required value: name or generateName is required`,
        {
          kind: rt.kind,
          group: rt.group,
          causes: [
            {
              reason: 'FieldValueRequired',
              field: 'metadata.name',
              message: 'Required value: name or generateName is required',
            },
          ],
        },
      );
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    if (rt.subresources?.status) delete obj.status;
    const attrs = { rt, namespace, obj, user, registry: this };
    for (const p of this.admission) await p.mutateCreate?.(attrs);
    validateObject(rt, obj, undefined);
    const key = objectStorageKey(rt, namespace, meta.name);
    try {
      return await validateCreateChain(this.admission, attrs, () =>
        this.storageOf(rt).create(key, obj),
      );
    } catch (err) {
      if (err instanceof AlreadyExistsError) {
        throw new AlreadyExistsError(`${qualifiedResource(rt)} "${meta.name}" already exists`, {
          kind: rt.plural,
          group: rt.group,
          name: meta.name,
        });
      }
      throw err;
    }
  }

  /** Reads one object. */
  async get(rt: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.storageOf(rt).get(objectStorageKey(rt, namespace, name));
    if (!obj) throw this.notFound(rt, name);
    return obj;
  }

  /**
   * The object as the watch cache last saw it (frozen, possibly a little behind storage), or
   * undefined when it is not cached or not there.
   */
  cached(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.storageOf(rt).cached?.(objectStorageKey(rt, namespace, name));
  }

  private filter(
    rt: ResourceType,
    opts: ListOptions | WatchOptions,
  ): ((o: KubeObject) => boolean) | undefined {
    const ls = parseLabelSelector(opts.labelSelector);
    const fs = parseFieldSelector(opts.fieldSelector);
    const known = ['metadata.name', 'metadata.namespace', ...Object.keys(rt.fieldSelectors ?? {})];
    for (const r of fs.requirements) {
      // as Kubernetes: a field this type does not index is an error, not an empty result
      if (!known.includes(r.field)) {
        throw new BadRequestError(
          `field label not supported: ${r.field} (${rt.plural} supports ${known.join(', ')})`,
        );
      }
    }
    if (ls.empty && fs.empty) return undefined;
    return (o) => ls.matches(o.metadata.labels) && fs.matches(objectFields(rt, o));
  }

  /** Lists objects (all namespaces when `namespace` is undefined). */
  async list(
    rt: ResourceType,
    namespace: string | undefined,
    opts: ListOptions = {},
  ): Promise<KubeList> {
    const filter = this.filter(rt, opts);
    const listOpts: Parameters<ObjectStorage['list']>[1] = {};
    if (opts.limit !== undefined) listOpts.limit = opts.limit;
    if (opts.continue !== undefined && opts.continue !== '') listOpts.continue = opts.continue;
    if (filter) listOpts.filter = filter;
    // "0": any recent state will do (a watch cache answers whole lists from memory)
    if (opts.resourceVersion === '0') listOpts.resourceVersion = '0';
    const res = await this.storageOf(rt).list(resourcePrefix(rt, namespace), listOpts);
    const list: KubeList = {
      apiVersion: resourceApiVersion(rt),
      kind: `${rt.kind}List`,
      metadata: { resourceVersion: res.resourceVersion },
      items: res.items,
    };
    if (res.continue !== undefined) list.metadata.continue = res.continue;
    return list;
  }

  /**
   * Replaces an object. With `body.metadata.resourceVersion` the write is conditional (409 when stale);
   * without it the latest version is replaced. `subresource: 'status'` writes only `.status`.
   * `user` is the authenticated writer, for update admission.
   */
  async update(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource?: 'status',
    user?: string,
  ): Promise<KubeObject> {
    const obj = checkBody(rt, namespace, body);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw new BadRequestError(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    obj.metadata.name = name;
    const expected = obj.metadata.resourceVersion;
    return this.guaranteedUpdate(
      rt,
      namespace,
      name,
      expected,
      (old) => {
        if (subresource === 'status') {
          // `old` is this write's own copy
          old.status = obj.status;
          return old;
        }
        // a PUT of the main resource never changes status where status is a subresource
        return rt.subresources?.status ? keepStatus(obj, old) : obj;
      },
      { user, subresource },
    );
  }

  /**
   * Read-modify-write with conflict retries. `mutate` gets the current object (a private copy it
   * may change) and the object as read (`stored`: not to be changed, frozen when it comes from the
   * watch cache) and returns the new one; when `expectedRv` is given a mismatch is a ConflictError
   * without retry.
   * `writer` says who writes through which endpoint, for update admission.
   */
  async guaranteedUpdate(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    expectedRv: string | undefined,
    mutate: (current: KubeObject, stored: Readonly<KubeObject>) => KubeObject,
    writer: UpdateWriter = {},
  ): Promise<KubeObject> {
    const key = objectStorageKey(rt, namespace, name);
    const storage = this.storageOf(rt);
    // the watch cache's copy saves the read (kube-apiserver's GuaranteedUpdate does the same);
    // whatever it gets wrong — a stale version, a refusal, a no-op — is decided again on a fresh
    // read, without counting as a conflict retry
    let suggestion = storage.cached?.(key);
    for (let attempt = 0; ;) {
      // a decision made on the cache's copy is taken again on a fresh read
      const again = suggestion !== undefined;
      const current = suggestion ?? (await storage.get(key));
      suggestion = undefined;
      if (!current) throw this.notFound(rt, name);
      const rv = current.metadata.resourceVersion ?? '0';
      if (expectedRv !== undefined && expectedRv !== '' && expectedRv !== rv) {
        if (again) continue;
        throw this.conflict(rt, name);
      }
      let next: KubeObject;
      try {
        next = prepareUpdate(rt, mutate(structuredClone(current), current), current, writer);
      } catch (err) {
        if (again) continue;
        throw err;
      }
      // the last finalizer gone ends a deletion; a graceful one (pods) waits for its DELETE with grace 0
      if (
        next.metadata.deletionTimestamp !== undefined &&
        (next.metadata.finalizers ?? []).length === 0 &&
        (next.metadata.deletionGracePeriodSeconds ?? 0) === 0
      ) {
        try {
          return await storage.delete(key, rv);
        } catch (err) {
          if (again && (err instanceof ConflictError || err instanceof NotFoundError)) continue;
          if (
            err instanceof ConflictError &&
            (expectedRv === undefined || expectedRv === '') &&
            attempt < this.retries
          ) {
            attempt++;
            continue;
          }
          throw err instanceof ConflictError ? this.conflict(rt, name) : err;
        }
      }
      // a no-op write is skipped unless the stored bytes are stale (e.g. an old encryption key)
      if (
        JSON.stringify(next) ===
          JSON.stringify({ ...current, metadata: { ...current.metadata } }) &&
        storage.isStale?.(current) !== true
      ) {
        if (again) continue;
        return current;
      }
      try {
        return await storage.update(key, next, rv);
      } catch (err) {
        if (again && (err instanceof ConflictError || err instanceof NotFoundError)) continue;
        if (
          err instanceof ConflictError &&
          (expectedRv === undefined || expectedRv === '') &&
          attempt < this.retries
        ) {
          attempt++;
          continue;
        }
        throw err instanceof ConflictError ? this.conflict(rt, name) : err;
      }
    }
  }

  private conflict(rt: ResourceType, name: string): ConflictError {
    return new ConflictError(
      `Operation cannot be fulfilled on ${qualifiedResource(rt)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { kind: rt.plural, group: rt.group, name },
    );
  }

  /** Keeps status from `old` (main-resource writes of types with a status subresource). */
  static keepStatus(next: KubeObject, old: KubeObject): KubeObject {
    return keepStatus(next, old);
  }

  /**
   * Deletes an object. With finalizers (or Orphan/Foreground propagation) the object only gets a
   * deletionTimestamp and is returned; it disappears once its finalizers are removed. Types with a
   * `gracefulDeletion` strategy (pods) are marked with deletionTimestamp = now + grace and
   * deletionGracePeriodSeconds instead, and go with a later DELETE with grace 0 (the kubelet's).
   * @returns the deleted object, or the object still pending finalization.
   */
  async delete(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<{ object: KubeObject; pending: boolean }> {
    const key = objectStorageKey(rt, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await this.storageOf(rt).get(key);
      if (!current) throw this.notFound(rt, name);
      const pre = opts.preconditions;
      if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) {
        throw new ConflictError(
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
          { name },
        );
      }
      if (
        pre?.resourceVersion !== undefined &&
        pre.resourceVersion !== current.metadata.resourceVersion
      ) {
        throw this.conflict(rt, name);
      }
      const rv = current.metadata.resourceVersion ?? '0';
      const plan = planDeletion(rt, current, opts, this.now().getTime());
      try {
        if (plan.action === 'pending') return { object: current, pending: true };
        if (plan.action === 'mark') {
          return { object: await this.storageOf(rt).update(key, plan.object, rv), pending: true };
        }
        const object = await this.storageOf(rt).delete(key, rv);
        // as Kubernetes returns a graceful deletion cut short: its period ended at 0
        if (object.metadata.deletionGracePeriodSeconds !== undefined) {
          object.metadata.deletionGracePeriodSeconds = 0;
        }
        return { object, pending: false };
      } catch (err) {
        if (err instanceof ConflictError && attempt < this.retries) continue;
        if (err instanceof ApiError && err.reason === 'NotFound') throw this.notFound(rt, name);
        throw err;
      }
    }
  }

  /**
   * Watches a resource. Without a resourceVersion (or "0") the stream starts with ADDED events for
   * every existing matching object; otherwise with the changes after that version.
   */
  watch(rt: ResourceType, namespace: string | undefined, opts: WatchOptions = {}): RegistryWatch {
    const filter = this.filter(rt, opts) ?? (() => true);
    let inner: { stop(): void } | undefined;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      inner?.stop();
      queue.close();
    };
    const queue = new AsyncQueue<WatchEvent>(stop);
    const prefix = resourcePrefix(rt, namespace);
    const run = async (): Promise<void> => {
      let from = opts.resourceVersion;
      if (from === undefined || from === '' || from === '0') {
        // "0": any recent state will do, so a watch cache may start the stream from memory
        const list = await this.storageOf(rt).list(prefix, {
          filter,
          ...(from === '0' ? { resourceVersion: '0' } : {}),
        });
        for (const item of list.items) queue.push({ type: 'ADDED', object: item });
        from = list.resourceVersion;
      }
      if (stopped) return;
      const w = this.storageOf(rt).watch(prefix, from);
      inner = w;
      for await (const ev of w) {
        const now = filter(ev.object);
        const before = ev.previous ? filter(ev.previous) : false;
        if (ev.type === 'ADDED' && now) queue.push({ type: 'ADDED', object: ev.object });
        else if (ev.type === 'DELETED' && (before || now)) {
          queue.push({ type: 'DELETED', object: ev.object });
        } else if (ev.type === 'MODIFIED') {
          if (now && before) queue.push({ type: 'MODIFIED', object: ev.object });
          else if (now) queue.push({ type: 'ADDED', object: ev.object });
          else if (before) queue.push({ type: 'DELETED', object: ev.object });
        }
      }
      queue.close();
    };
    run().catch((err: unknown) => {
      queue.fail(err);
    });
    return { stop, [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }
}
