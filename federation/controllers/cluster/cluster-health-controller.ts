import {
  circuitBreaker,
  ConsecutiveBreaker,
  handleAll,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
  BrokenCircuitError,
} from 'cockatiel';
import { EventRecorder, LEASES, type Lease } from '../../../api/index.js';
import {
  CLUSTERS,
  clusterOfExecutionNamespace,
  isPullCluster,
  type Cluster,
} from '../../apis/index.js';
import type { Condition } from '../../../machinery/meta.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import type { ClusterClients } from '../cluster-clients.js';
import { heartbeatLeaseKey, heartbeatVerdict } from './agent-heartbeat.js';
import type { Registry } from 'prom-client';
import { ClusterHealthMetrics } from '../../../machinery/metrics/cluster-health-metrics.js';
import { resourceSummary, type SummaryNode, type SummaryPod } from './resource-summary.js';

export const ControllerName = 'cluster-health-controller';
/** Condition reasons. */
export const ReasonReady = 'ClusterReady';
export const ReasonNotReady = 'ClusterNotReady';
export const ReasonOffline = 'ClusterOffline';

/** Options for {@link ClusterHealthController}. */
export interface ClusterHealthOptions {
  client: KubeClient;
  informers: InformerFactory;
  clients: ClusterClients;
  logger: Logger;
  /** Probe interval per cluster. @defaultValue 5000 */
  probePeriodMs?: number;
  /** Probe timeout. @defaultValue 3000 */
  probeTimeoutMs?: number;
  /**
   * Consecutive failed probes before a Ready cluster is marked NotReady (and the breaker opens,
   * so the next probe reports Offline). Fewer failures keep the previous Ready condition, so one
   * lost probe does not move replicas. @defaultValue 3
   */
  failureThreshold?: number;
  /** How long an open breaker waits before a trial probe. @defaultValue 10000 */
  halfOpenAfterMs?: number;
  /** Clock (Pull clusters' heartbeat windows). @defaultValue Date.now */
  now?: () => number;
  /** Where `flotilla_cluster_ready` and `flotilla_cluster_health_checks_total` go. @defaultValue none */
  metricsRegistry?: Registry | undefined;
  /**
   * Records ClusterReady / ClusterNotReady events on the Cluster when its Ready condition turns.
   * @defaultValue a recorder writing through `client`
   */
  events?: EventRecorder;
}

interface ProbeResult {
  reason: string;
  message: string;
  version?: string;
  summary?: NonNullable<Cluster['status']>['resourceSummary'];
}

/**
 * Probes each member's /readyz through a cockatiel timeout + circuit breaker (one breaker per
 * cluster) and writes the Ready condition: ClusterReady, ClusterNotReady (answered but not ready,
 * or failed probes while the breaker is closed) or ClusterOffline (breaker open). A Ready cluster
 * only leaves Ready after `failureThreshold` consecutive bad probes; a cluster that is not Ready
 * (or new) takes every result at once.
 * Pull clusters are never probed: their Ready condition follows the agent's heartbeat Lease
 * (`fed-es-<cluster>/<cluster>`, see {@link heartbeatVerdict}), whose window is the grace.
 */
export class ClusterHealthController {
  readonly controller: Controller;
  private readonly opts: ClusterHealthOptions;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  /** Consecutive bad probes per cluster (reset by a good one). */
  private readonly failures = new Map<string, number>();
  private readonly metrics: ClusterHealthMetrics;
  private readonly events: EventRecorder;

  constructor(opts: ClusterHealthOptions) {
    this.opts = opts;
    this.events =
      opts.events ??
      new EventRecorder({
        client: opts.client,
        component: ControllerName,
        logger: opts.logger,
        now: () => new Date(),
      });
    this.metrics = new ClusterHealthMetrics(opts.metricsRegistry);
    const inf = opts.informers.for<Cluster>(CLUSTERS);
    const leases = opts.informers.for<Lease>(LEASES);
    this.controller = new Controller({
      name: ControllerName,
      informers: [inf, leases],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
      workers: 4,
    });
    inf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (o, n) => {
        if (JSON.stringify(o.spec) !== JSON.stringify(n.spec)) this.controller.enqueueObject(n);
      },
    });
    // an agent's heartbeat: its cluster is looked at again (a renewal of a Ready one changes nothing)
    const fromLease = (l: Lease): void => {
      const cluster = clusterOfExecutionNamespace(l.metadata.namespace);
      if (cluster !== undefined && l.metadata.name === cluster) this.controller.enqueue(cluster);
    };
    leases.addEventHandler({ onAdd: fromLease, onUpdate: (_o, n) => fromLease(n) });
  }

  private breaker(name: string): CircuitBreakerPolicy {
    let b = this.breakers.get(name);
    if (!b) {
      b = circuitBreaker(handleAll, {
        halfOpenAfter: this.opts.halfOpenAfterMs ?? 10_000,
        breaker: new ConsecutiveBreaker(this.opts.failureThreshold ?? 3),
      });
      this.breakers.set(name, b);
    }
    return b;
  }

  private async probe(cluster: Cluster): Promise<ProbeResult> {
    const name = cluster.metadata.name ?? '';
    const policy = wrap(
      this.breaker(name),
      timeout(this.opts.probeTimeoutMs ?? 3000, TimeoutStrategy.Aggressive),
    );
    try {
      return await policy.execute(async () => {
        const client = this.opts.clients.for(cluster);
        const ready = await client.raw('GET', '/readyz');
        if (ready.status !== 200) {
          return {
            reason: ReasonNotReady,
            message: `/readyz answered ${String(ready.status)}: ${ready.body.slice(0, 100)}`,
          };
        }
        const version = await client
          .request<{ gitVersion?: string }>('GET', '/version')
          .catch(() => ({ gitVersion: undefined }));
        // resourceVersion 0: any recent state will do, so the member answers from its watch cache
        // (as kube-apiserver does) instead of reading every node and pod from its etcd
        const nodes = await client
          .resource<SummaryNode>({ group: '', version: 'v1', resource: 'nodes' })
          .list({ resourceVersion: '0' });
        const pods = await client
          .resource<SummaryPod>({ group: '', version: 'v1', resource: 'pods' })
          .list({
            fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
            resourceVersion: '0',
          });
        const summary = resourceSummary(nodes.items, pods.items);
        if (summary.readyNodes === 0) {
          return { reason: ReasonNotReady, message: 'cluster has no Ready nodes', summary };
        }
        return {
          reason: ReasonReady,
          message: 'cluster is healthy and ready to accept workloads',
          ...(version.gitVersion ? { version: version.gitVersion } : {}),
          summary,
        };
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        return {
          reason: ReasonOffline,
          message: 'cluster is unreachable (circuit open after repeated probe failures)',
        };
      }
      return {
        reason: ReasonNotReady,
        message: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const cluster = this.opts.informers.for<Cluster>(CLUSTERS).get(name);
    if (!cluster) {
      this.breakers.delete(name);
      this.failures.delete(name);
      this.opts.clients.forget(name);
      this.metrics.forget(name);
      return undefined;
    }
    const old = cluster.status?.conditions?.find((c) => c.type === 'Ready');
    let period = { requeueAfterMs: this.opts.probePeriodMs ?? 5000 };
    let r: ProbeResult;
    if (isPullCluster(cluster)) {
      const lease = this.opts.informers.for<Lease>(LEASES).get(heartbeatLeaseKey(name));
      const now = (this.opts.now ?? Date.now)();
      const v = heartbeatVerdict(cluster, lease, now, ReasonReady, ReasonNotReady);
      r = {
        reason: v.reason,
        message: v.message,
        ...(v.version ? { version: v.version } : {}),
        ...(v.summary ? { summary: v.summary } : {}),
      };
      // look again right when the window closes, so NotReady is not late by a probe period
      if (v.recheckInMs !== undefined && v.recheckInMs + 50 < period.requeueAfterMs) {
        period = { requeueAfterMs: v.recheckInMs + 50 };
      }
    } else {
      r = await this.probe(cluster);
    }
    const result =
      r.reason === ReasonReady
        ? 'healthy'
        : r.reason === ReasonOffline
          ? 'unreachable'
          : 'unhealthy';
    if (r.reason === ReasonReady || isPullCluster(cluster)) {
      this.failures.delete(name);
    } else {
      const n = (this.failures.get(name) ?? 0) + 1;
      this.failures.set(name, n);
      if (old?.status === 'True' && n < (this.opts.failureThreshold ?? 3)) {
        this.metrics.checked(name, result, true);
        this.opts.logger.info(
          `cluster ${name}: probe ${String(n)} of ${String(this.opts.failureThreshold ?? 3)} failed, still Ready (${r.message})`,
        );
        return period;
      }
    }
    const status = r.reason === ReasonReady ? 'True' : 'False';
    this.metrics.checked(name, result, status === 'True');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cond: Condition = {
      type: 'Ready',
      status,
      reason: r.reason,
      message: r.message,
      lastTransitionTime:
        old?.status === status && old.reason === r.reason && old.lastTransitionTime
          ? old.lastTransitionTime
          : now,
    };
    const next = structuredClone(cluster);
    next.status = {
      ...(cluster.status ?? {}),
      conditions: [...(cluster.status?.conditions ?? []).filter((c) => c.type !== 'Ready'), cond],
      ...(r.version ? { kubernetesVersion: r.version } : {}),
      ...(r.summary ? { resourceSummary: r.summary } : {}),
    };
    const changed = JSON.stringify(next.status) !== JSON.stringify(cluster.status);
    if (changed) {
      next.status.lastProbeTime = now;
      if (old?.reason !== r.reason) {
        this.opts.logger.info(`cluster ${name}: ${r.reason} (${r.message})`);
      }
      const written = await this.opts.client
        .resource<Cluster>(CLUSTERS)
        .updateStatus(next)
        .catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
          return undefined;
        });
      // an event when Ready turns (not per probe): the written object, so the event names its uid
      if (written && old?.status !== status) {
        await this.events.event(
          written,
          status === 'True' ? 'Normal' : 'Warning',
          status === 'True' ? ReasonReady : ReasonNotReady,
          status === 'True'
            ? `cluster ${name} is Ready: ${r.message}`
            : `cluster ${name} is not Ready (${r.reason}): ${r.message}`,
        );
      }
    }
    return period;
  }
}
