/**
 * An in-memory copy of the four RBAC kinds, kept current by list + watch on the server's storage,
 * so that authorizing a request never reads storage. Resolved rules are memoized per user (name and
 * groups) and dropped on every RBAC change, because one binding can change many users' rules.
 */
import type { KubeObject } from '../meta.js';
import { namedLogger } from '../log/default-logger.js';
import type { Logger } from '../log/logger.js';
import type { UserInfo } from '../auth/user-info.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { subjectMatches } from './policy-rules.js';
import { baseRbacTypes } from './rbac-resource-types.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
} from './rbac-types.js';

/** Rules of one user: cluster-wide (ClusterRoleBindings) and per namespace (RoleBindings). */
interface ResolvedUser {
  cluster: PolicyRule[];
  namespaces: Map<string, PolicyRule[]>;
}

/** Memo entries kept before the memo is cleared (bounds memory under many distinct users). */
const MEMO_LIMIT = 10_000;

type Store = Map<string, KubeObject>;

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** Options for {@link RbacCache}. */
export interface RbacCacheOptions {
  storage: ObjectStorage;
  /** Delay before relisting after a watch ends or fails. @defaultValue 1000 */
  relistDelayMs?: number;
  /** @defaultValue the process's logger (machinery/log) */
  logger?: Logger;
}

/** The watched RBAC objects and per-user rule resolution. */
export class RbacCache {
  private readonly registry: GenericRegistry;
  private readonly stores = {
    roles: new Map() as Store,
    clusterRoles: new Map() as Store,
    roleBindings: new Map() as Store,
    clusterRoleBindings: new Map() as Store,
  };
  private readonly memo = new Map<string, ResolvedUser>();
  private readonly listeners = new Set<() => void>();
  private readonly relistDelayMs: number;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private syncedCount = 0;
  private readonly syncedPromise: Promise<void>;
  private resolveSynced: () => void = () => undefined;

  constructor(opts: RbacCacheOptions) {
    this.registry = new GenericRegistry({ storage: opts.storage });
    this.relistDelayMs = opts.relistDelayMs ?? 1000;
    this.log = opts.logger ?? namedLogger('rbac-cache');
    this.syncedPromise = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
  }

  /** Starts list + watch of the four kinds; `synced()` resolves once each has been listed. */
  start(): void {
    for (const [k, rt] of Object.entries(baseRbacTypes)) {
      this.loops.push(this.run(rt, this.stores[k as keyof typeof this.stores]));
    }
  }

  /** Resolves once every kind has been listed at least once. */
  synced(): Promise<void> {
    return this.syncedPromise;
  }

  /** Whether every kind has been listed (a cheap check on the request path). */
  get isSynced(): boolean {
    return this.syncedCount === 4;
  }

  /** Calls `fn` after every change (the aggregation controller listens). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stops the watches. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  /** Every ClusterRole (read-only: never mutate). */
  clusterRoles(): ClusterRole[] {
    return [...this.stores.clusterRoles.values()] as ClusterRole[];
  }

  /** One ClusterRole, or undefined. */
  clusterRole(name: string): ClusterRole | undefined {
    return this.stores.clusterRoles.get(`/${name}`);
  }

  /** Whether the cache holds the object (`kind` is a key of `baseRbacTypes`). */
  has(kind: keyof typeof baseRbacTypes, namespace: string | undefined, name: string): boolean {
    return this.stores[kind].has(`${namespace ?? ''}/${name}`);
  }

  /** Rules the ClusterRoleBindings grant `user` everywhere. */
  clusterRules(user: UserInfo): PolicyRule[] {
    return this.resolved(user).cluster;
  }

  /** Rules the RoleBindings of `namespace` grant `user` (not including the cluster-wide ones). */
  namespaceRules(user: UserInfo, namespace: string): PolicyRule[] {
    const r = this.resolved(user);
    let rules = r.namespaces.get(namespace);
    if (rules === undefined) {
      rules = [];
      for (const o of this.stores.roleBindings.values()) {
        const b = o as RoleBinding;
        if (b.metadata.namespace !== namespace) continue;
        if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) continue;
        rules.push(...this.roleRules(b.roleRef, namespace));
      }
      r.namespaces.set(namespace, rules);
    }
    return rules;
  }

  /** Rules a role reference grants (a RoleBinding may reference a Role of its namespace). */
  roleRules(ref: RoleRef, namespace: string): PolicyRule[] {
    const role =
      ref.kind === 'ClusterRole'
        ? this.stores.clusterRoles.get(`/${ref.name}`)
        : this.stores.roles.get(`${namespace}/${ref.name}`);
    return ((role as Role | undefined)?.rules ?? []).filter((r) => Array.isArray(r.verbs));
  }

  private resolved(user: UserInfo): ResolvedUser {
    const key = `${user.name}\u0000${user.groups.join('\u0000')}`;
    let r = this.memo.get(key);
    if (r === undefined) {
      const cluster: PolicyRule[] = [];
      for (const o of this.stores.clusterRoleBindings.values()) {
        const b = o as ClusterRoleBinding;
        if ((b.subjects ?? []).some((s) => subjectMatches(s, user, ''))) {
          cluster.push(...this.roleRules(b.roleRef, ''));
        }
      }
      r = { cluster, namespaces: new Map() };
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      this.memo.set(key, r);
    }
    return r;
  }

  private changed(): void {
    this.memo.clear();
    for (const fn of this.listeners) {
      // a listener's failure must not stop the cache from applying later events
      try {
        fn();
      } catch (err) {
        this.log.error('listener failed', err instanceof Error ? err : { err: String(err) });
      }
    }
  }

  /** List, then watch from the list's revision; relist after the watch ends or fails (410). */
  private async run(rt: ResourceType, store: Store): Promise<void> {
    const signal = this.abort.signal;
    let first = true;
    while (!signal.aborted) {
      try {
        const list = await this.registry.list(rt, undefined);
        store.clear();
        for (const o of list.items) store.set(keyOf(o), o);
        this.changed();
        if (first) {
          first = false;
          if (++this.syncedCount === 4) this.resolveSynced();
        }
        const w = this.registry.watch(rt, undefined, {
          resourceVersion: list.metadata.resourceVersion ?? '0',
        });
        const onAbort = (): void => {
          w.stop();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          for await (const ev of w) {
            if (ev.type === 'DELETED') store.delete(keyOf(ev.object));
            else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
              store.set(keyOf(ev.object), ev.object);
            } else continue;
            this.changed();
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
          w.stop();
        }
      } catch (err) {
        if (!signal.aborted) this.log.warn(`${rt.plural}: ${String(err)}`, { resource: rt.plural });
      }
      if (signal.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, this.relistDelayMs));
    }
  }
}
