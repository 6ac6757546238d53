/**
 * RBAC for one API server, assembled: the watched cache, the authorizer (with escalation
 * prevention), the served RBAC and access-review kinds, the bootstrap policy and the ClusterRole
 * aggregation controller. Usage: build it on the server's storage, serve `resourceTypes`, pass
 * `authorizer` to the ApiServer, `install(server)` for the review endpoints, `await start()`
 * before serving, `stop()` on shutdown.
 */
import type { ApiServer } from '../apiserver/api-server.js';
import type { Context } from 'koa';
import { decodeKubeProtobuf, isKubeProtobuf } from '../apiserver/protobuf/index.js';
import { parseBody, readRawBytes } from '../apiserver/request-body.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { accessReviewRoutes, accessReviewTypes } from './access-reviews.js';
import { defaultBootstrapPolicy, mergePolicies, type BootstrapPolicy } from './bootstrap-policy.js';
import { reconcileBootstrapPolicy } from './bootstrap-reconciler.js';
import {
  aggregatedRules,
  ClusterRoleAggregationController,
} from './cluster-role-aggregation-controller.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { RbacCache } from './rbac-cache.js';
import { rbacResourceTypes } from './rbac-resource-types.js';

/** Largest access-review body: reviews are small, nothing legitimate comes close. */
const MAX_REVIEW_BYTES = 64 * 1024;

/** Options for {@link Rbac}. */
export interface RbacOptions {
  storage: ObjectStorage;
  /** The other types the server serves (admin/edit/view are derived from them). */
  servedTypes: readonly ResourceType[];
  /** Roles and bindings added to the default policy (component and product roles). */
  policy?: BootstrapPolicy;
  /** How long `start()` waits for the bootstrap objects to reach the cache. @defaultValue 10000 */
  syncTimeoutMs?: number;
}

/** RBAC for one API server. */
export class Rbac {
  readonly cache: RbacCache;
  readonly authorizer: RbacAuthorizer;
  /** The RBAC kinds (with escalation admission) and the access-review kinds, to serve. */
  readonly resourceTypes: ResourceType[];
  readonly policy: BootstrapPolicy;
  private readonly storage: ObjectStorage;
  private readonly aggregation: ClusterRoleAggregationController;
  private readonly syncTimeoutMs: number;

  constructor(opts: RbacOptions) {
    this.storage = opts.storage;
    this.cache = new RbacCache({ storage: opts.storage });
    this.authorizer = new RbacAuthorizer(this.cache);
    this.resourceTypes = [...rbacResourceTypes(this.authorizer), ...accessReviewTypes];
    this.policy = mergePolicies(
      defaultBootstrapPolicy([...opts.servedTypes, ...this.resourceTypes]),
      ...(opts.policy ? [opts.policy] : []),
    );
    this.aggregation = new ClusterRoleAggregationController({
      storage: opts.storage,
      cache: this.cache,
    });
    this.syncTimeoutMs = opts.syncTimeoutMs ?? 10_000;
  }

  /** Registers the access-review endpoints on `server` (which must serve `resourceTypes`). */
  install(server: ApiServer): void {
    // the aggregation controller runs in the API server: its queue is on the server's /metrics
    this.aggregation.setMetrics(server.metrics.workqueues);
    const readBody = async (ctx: Context): Promise<unknown> => {
      const raw = await readRawBytes(ctx.req, MAX_REVIEW_BYTES);
      // kubectl's typed authorization client sends protobuf; everything else sends JSON or YAML
      if (isKubeProtobuf(raw)) return decodeKubeProtobuf(raw);
      return parseBody(raw.toString('utf8'), ctx.get('content-type'));
    };
    for (const [path, handler] of Object.entries(accessReviewRoutes(this.authorizer, readBody))) {
      server.registerRoute('POST', path, handler);
    }
  }

  /**
   * Starts the cache, reconciles the bootstrap policy and the aggregation controller, and resolves
   * once the cache holds every bootstrap object (so the first requests are judged by them).
   */
  async start(): Promise<void> {
    this.cache.start();
    await this.cache.synced();
    await reconcileBootstrapPolicy(new GenericRegistry({ storage: this.storage }), this.policy);
    this.aggregation.start();
    const deadline = Date.now() + this.syncTimeoutMs;
    while (!this.bootstrapCached()) {
      if (Date.now() > deadline) {
        throw new Error('rbac: the bootstrap policy did not reach the cache in time');
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private bootstrapCached(): boolean {
    const p = this.policy;
    const all = this.cache.clusterRoles();
    const aggregatedDone = all.every(
      (r) =>
        !r.aggregationRule ||
        JSON.stringify(aggregatedRules(r, all)) === JSON.stringify(r.rules ?? []),
    );
    return (
      aggregatedDone &&
      p.clusterRoles.every((r) =>
        this.cache.has('clusterRoles', undefined, r.metadata.name ?? ''),
      ) &&
      p.clusterRoleBindings.every((b) =>
        this.cache.has('clusterRoleBindings', undefined, b.metadata.name ?? ''),
      ) &&
      p.roles.every((r) => this.cache.has('roles', r.metadata.namespace, r.metadata.name ?? '')) &&
      p.roleBindings.every((b) =>
        this.cache.has('roleBindings', b.metadata.namespace, b.metadata.name ?? ''),
      )
    );
  }

  /** Stops the aggregation controller and the cache's watches. */
  async stop(): Promise<void> {
    await this.aggregation.stop();
    await this.cache.stop();
  }
}
