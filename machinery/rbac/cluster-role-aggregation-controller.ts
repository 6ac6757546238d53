/**
 * ClusterRole aggregation (kube-controller-manager `clusterrole-aggregation`): a ClusterRole with
 * `aggregationRule.clusterRoleSelectors` gets, as its `rules`, the union of the rules of every
 * other ClusterRole whose labels match a selector. This is how `admin`, `edit` and `view` pick up
 * the rules of `flotilla:aggregate-to-*` roles. Level-triggered: every pass recomputes every
 * aggregated role from the cache and writes only those whose rules differ.
 */
import { ConflictError } from '../errors/index.js';
import { namedLogger } from '../log/default-logger.js';
import type { Logger } from '../log/logger.js';
import { labelSelectorFromObject } from '../selectors/index.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import type { QueueMetrics, WorkqueueMetricsProvider } from '../workqueue/metrics.js';
import type { RbacCache } from './rbac-cache.js';
import { baseRbacTypes } from './rbac-resource-types.js';
import type { ClusterRole, PolicyRule } from './rbac-types.js';

/** Controller name, as kube-controller-manager spells it. */
export const ControllerName = 'clusterrole-aggregation';

/** Options for {@link ClusterRoleAggregationController}. */
export interface ClusterRoleAggregationOptions {
  storage: ObjectStorage;
  cache: RbacCache;
  /** Delay before retrying a pass that failed (storage error, write conflict). @defaultValue 500 */
  retryMs?: number;
  /** @defaultValue the process's logger (machinery/log) */
  logger?: Logger;
}

/** The rules `role` should hold: the deduplicated union of the matching roles' rules. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) =>
    labelSelectorFromObject(s),
  );
  const seen = new Set<string>();
  const out: PolicyRule[] = [];
  const parts = all
    .filter((r) => r.metadata.name !== role.metadata.name)
    .filter((r) => selectors.some((s) => !s.empty && s.matches(r.metadata.labels)))
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const part of parts) {
    for (const rule of part.rules ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rule);
    }
  }
  return out;
}

/** Keeps aggregated ClusterRoles' rules current from the RBAC cache. */
export class ClusterRoleAggregationController {
  private readonly registry: GenericRegistry;
  private readonly cache: RbacCache;
  private readonly retryMs: number;
  private readonly log: Logger;
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** Its one-key queue's series (`workqueue_*{name="clusterrole-aggregation"}`); none by default. */
  private metrics: QueueMetrics | undefined;

  constructor(opts: ClusterRoleAggregationOptions) {
    this.registry = new GenericRegistry({ storage: opts.storage });
    this.cache = opts.cache;
    this.retryMs = opts.retryMs ?? 500;
    this.log = opts.logger ?? namedLogger(ControllerName);
  }

  /** Reports the passes as a workqueue of one key on the API server's /metrics. */
  setMetrics(provider: WorkqueueMetricsProvider): void {
    this.metrics = provider.queue(ControllerName, () => (this.scheduled ? 1 : 0));
  }

  /** Subscribes to cache changes and runs a first pass. */
  start(): void {
    this.unsubscribe = this.cache.onChange(() => {
      this.schedule();
    });
    this.schedule();
  }

  /** Stops scheduling passes and waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Resolves when the pass in flight (if any) has finished. */
  idle(): Promise<void> {
    return this.running;
  }

  /** Coalesces a burst of cache events (a relist reports every object) into one pass. */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.metrics?.added(ControllerName);
    setImmediate(() => {
      this.scheduled = false;
      this.metrics?.started(ControllerName);
      this.running = this.running
        .then(() => this.pass())
        .finally(() => this.metrics?.finished(ControllerName));
    });
  }

  /** One level-triggered pass; a failure (retryable) schedules another pass after `retryMs`. */
  private async pass(): Promise<void> {
    if (this.stopped || !this.cache.isSynced) return;
    try {
      const all = this.cache.clusterRoles();
      for (const role of all) {
        if (!role.aggregationRule) continue;
        const want = aggregatedRules(role, all);
        if (JSON.stringify(want) === JSON.stringify(role.rules ?? [])) continue;
        // conditional on the cached version: a conflict means a newer event is on its way
        await this.registry.update(
          baseRbacTypes.clusterRoles,
          undefined,
          role.metadata.name ?? '',
          {
            ...structuredClone(role),
            rules: want,
          },
        );
      }
    } catch (err) {
      if (this.stopped) return;
      // a conflict means the cache lags our own last write: its watch event triggers a new pass
      if (err instanceof ConflictError) return;
      this.log.error(`${String(err)}; retrying`, { controller: ControllerName });
      this.metrics?.retried();
      this.timer = setTimeout(() => {
        this.schedule();
      }, this.retryMs);
    }
  }
}
