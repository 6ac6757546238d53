/**
 * In-memory KubeClient for controller unit tests (STYLE §23): seed objects, let informers list
 * them, run one reconcile, then assert the exact list of recorded write actions. Watches never
 * deliver events (a fixture observes one reconcile against a fixed cache).
 */
import type { GroupVersionResource, KubeList, KubeObject, WatchEvent } from '../meta.js';
import type {
  DeleteOptions,
  KubeClient,
  ListOptions,
  PatchType,
  ResourceClient,
  Watch,
} from '../client/kube-client.js';
import { AlreadyExistsError, NotFoundError } from '../errors/index.js';
import { applyMergePatch, applyStrategicMergePatch } from '../patch/index.js';

/** One recorded API call. */
export interface FakeAction {
  verb: 'create' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'subresource';
  /** `group/resource` ('' group for core), e.g. `apps/replicasets` or `/pods`. */
  resource: string;
  namespace: string | undefined;
  name: string;
  /** The object (create/update), patch body (patch), DeleteOptions (delete), or subresource body. */
  body?: unknown;
}

const resourceKey = (g: GroupVersionResource): string => `${g.group}/${g.resource}`;

/** An in-memory KubeClient recording every write. */
export class FakeKubeClient implements KubeClient {
  /** Write actions in call order. */
  readonly actions: FakeAction[] = [];
  /** Error injection (like client-go's reactors): the first non-undefined result fails the call. */
  readonly reactors: ((a: FakeAction) => Error | undefined)[] = [];
  private readonly stores = new Map<string, Map<string, KubeObject>>();
  private rv = 100;
  private names = 0;

  /** Adds objects without recording actions. */
  seed(gvr: GroupVersionResource, ...objs: KubeObject[]): void {
    for (const o of objs) {
      const obj = structuredClone(o);
      obj.metadata.resourceVersion ??= String(++this.rv);
      obj.metadata.uid ??= `uid-${obj.metadata.name ?? ''}`;
      this.store(gvr).set(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`, obj);
    }
  }

  /** Current stored object (tests). */
  stored<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    return this.store(gvr).get(`${namespace ?? ''}/${name}`) as T | undefined;
  }

  /** Forgets recorded actions (after informers synced). */
  clearActions(): void {
    this.actions.length = 0;
  }

  private store(gvr: GroupVersionResource): Map<string, KubeObject> {
    const k = resourceKey(gvr);
    let s = this.stores.get(k);
    if (!s) {
      s = new Map();
      this.stores.set(k, s);
    }
    return s;
  }

  resource<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace?: string,
  ): ResourceClient<T> {
    const store = this.store(gvr);
    const resource = resourceKey(gvr);
    const record = (verb: FakeAction['verb'], name: string, body?: unknown): Error | undefined => {
      const action: FakeAction = {
        verb,
        resource,
        namespace,
        name,
        ...(body === undefined ? {} : { body: structuredClone(body) }),
      };
      this.actions.push(action);
      for (const r of this.reactors) {
        const err = r(action);
        if (err) return err;
      }
      return undefined;
    };
    const key = (name: string): string => `${namespace ?? ''}/${name}`;
    const must = (name: string): KubeObject => {
      const o = store.get(key(name));
      if (!o) throw new NotFoundError(`${gvr.resource} "${name}" not found`, { name });
      return o;
    };
    const save = (o: KubeObject): T => {
      o.metadata.resourceVersion = String(++this.rv);
      store.set(key(o.metadata.name ?? ''), o);
      return structuredClone(o) as T;
    };
    const client: ResourceClient<T> = {
      get: (name) => Promise.resolve(structuredClone(must(name)) as T),
      list: (_opts?: ListOptions) => {
        const items = [...store.values()].filter(
          (o) => namespace === undefined || o.metadata.namespace === namespace,
        );
        const list: KubeList<T> = {
          apiVersion: 'v1',
          kind: 'List',
          metadata: { resourceVersion: String(this.rv) },
          items: structuredClone(items) as T[],
        };
        return Promise.resolve(list);
      },
      create: (obj) => {
        const injected = record(
          'create',
          obj.metadata.name ?? obj.metadata.generateName ?? '',
          obj,
        );
        if (injected) return Promise.reject(injected);
        const o = structuredClone(obj) as KubeObject;
        o.metadata.name ??= `${o.metadata.generateName ?? ''}${String(++this.names)}`;
        if (namespace !== undefined) o.metadata.namespace = namespace;
        if (store.has(key(o.metadata.name))) {
          return Promise.reject(new AlreadyExistsError(`"${o.metadata.name}" already exists`));
        }
        o.metadata.uid = `uid-${o.metadata.name}`;
        return Promise.resolve(save(o));
      },
      update: (obj) => {
        const injected = record('update', obj.metadata.name ?? '', obj);
        if (injected) return Promise.reject(injected);
        must(obj.metadata.name ?? '');
        return Promise.resolve(save(structuredClone(obj)));
      },
      updateStatus: (obj) => {
        const injected = record('updateStatus', obj.metadata.name ?? '', obj);
        if (injected) return Promise.reject(injected);
        const cur = structuredClone(must(obj.metadata.name ?? ''));
        cur.status = structuredClone(obj.status);
        return Promise.resolve(save(cur));
      },
      patch: (name, patch, type: PatchType) => {
        const injected = record('patch', name, patch);
        if (injected) return Promise.reject(injected);
        try {
          const cur = must(name);
          const next =
            type === 'strategic'
              ? applyStrategicMergePatch(cur, patch)
              : applyMergePatch(cur, patch);
          return Promise.resolve(save(next as KubeObject));
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
      delete: (name, opts?: DeleteOptions) => {
        const injected = record('delete', name, opts);
        if (injected) return Promise.reject(injected);
        if (!store.delete(key(name))) {
          return Promise.reject(new NotFoundError(`"${name}" not found`, { name }));
        }
        return Promise.resolve(undefined);
      },
      watch: () => idleWatch<T>(),
      subresource: <R>(
        name: string,
        sub: string,
        _method: 'GET' | 'PUT' | 'POST',
        body?: unknown,
      ) => {
        const injected = record('subresource', `${name}/${sub}`, body);
        if (injected) return Promise.reject(injected);
        return Promise.resolve(undefined as R);
      },
    };
    return client;
  }
}

/** A watch that yields nothing until stopped. */
function idleWatch<T extends KubeObject>(): Watch<T> {
  let release: () => void = () => undefined;
  const stopped = new Promise<void>((r) => {
    release = r;
  });
  return {
    stop: () => {
      release();
    },
    [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
      return {
        next: async () => {
          await stopped;
          return { done: true, value: undefined };
        },
      };
    },
  };
}
