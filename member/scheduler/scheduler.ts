import { performance } from 'node:perf_hooks';
import { objectKey, splitKey, type Condition } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { consoleLogger, Controller, type Logger } from '../../machinery/controller/index.js';
import { ConflictError, NotFoundError } from '../../machinery/errors/index.js';
import { InformerFactory, type SharedInformer } from '../../machinery/informer/index.js';
import { NODES, PODS, type Node, type Pod } from '../../api/index.js';
import { EventRecorder } from '../controllers/event-recorder.js';
import { BackgroundEvents } from './background-events.js';
import { SchedulerCache } from './cache.js';
import type { FilterPlugin, ScorePlugin } from './framework.js';
import { defaultFilters, defaultScores } from './registry.js';
import { registryOf } from '../../machinery/metrics/metric-factory.js';
import { SchedulerMetrics } from '../../machinery/metrics/scheduler-metrics.js';
import { WorkQueue, type WorkqueueMetricsProvider } from '../../machinery/workqueue/index.js';
import { numFeasibleNodesToFind, scheduleOne, unschedulableMessage } from './schedule-one.js';

/** Options for {@link Scheduler}. */
export interface SchedulerOptions {
  client: KubeClient;
  /** Share informers with other components of the same process. */
  informers?: InformerFactory;
  schedulerName?: string;
  filters?: FilterPlugin[];
  scores?: { plugin: ScorePlugin; weight: number }[];
  /** Retry delay for unschedulable pods (also retried on node changes). @defaultValue 2000 */
  retryMs?: number;
  /**
   * Back-off of a pod whose binding failed, as kube-scheduler's podInitialBackoffSeconds and
   * podMaxBackoffSeconds: the first retry after `initialMs`, doubling per failed binding of the
   * same pod up to `maxMs`, reset once the pod is seen bound or deleted.
   * @defaultValue `{ initialMs: 1000, maxMs: 10000 }`
   */
  bindBackoff?: { initialMs: number; maxMs: number };
  workers?: number;
  /**
   * Bindings in flight at once; a scheduling cycle waits for a free slot once the limit is
   * reached. @defaultValue 32
   */
  maxInflightBindings?: number;
  /**
   * kube-scheduler's percentageOfNodesToScore: in clusters of more than 100 nodes a cycle stops
   * filtering once this share of the nodes (at least 100) fit, and scores only those; the next
   * cycle starts where this one stopped, so every node gets its turn. 0 is kube-scheduler's
   * adaptive default (50% minus 1% per 125 nodes, at least 5%: 42% of 1,000 nodes); 100 filters
   * and scores every node. Clusters of at most 100 nodes always have every node scored.
   * @defaultValue 0
   */
  percentageOfNodesToScore?: number;
  /**
   * The process's metrics: the scheduler's queue and `scheduler_schedule_attempts_total` /
   * `scheduler_scheduling_attempt_duration_seconds` go to its registry. @defaultValue none
   */
  metrics?: WorkqueueMetricsProvider;
  logger?: Logger;
}

/**
 * Places pending pods on nodes like kube-scheduler: a scheduling cycle (filter → score on the
 * incremental {@link SchedulerCache}) picks a node and assumes the pod there, then the binding
 * cycle (pods/binding, then the Scheduled event) runs in the background while the next pod is
 * scheduled. A failed binding forgets the assumed pod and requeues it with back-off; events are
 * written in the background (see background-events.ts). In clusters of more than
 * 100 nodes a cycle filters and scores only part of the nodes, as kube-scheduler does (see
 * {@link SchedulerOptions.percentageOfNodesToScore}).
 */
export class Scheduler {
  readonly informers: InformerFactory;
  private readonly pods: SharedInformer<Pod>;
  private readonly opts: SchedulerOptions;
  private readonly controller: Controller;
  private readonly cache = new SchedulerCache();
  /** Binding cycles in flight (awaited by {@link Scheduler.run} before it resolves). */
  private readonly binding = new Set<Promise<void>>();
  /** Scheduling cycles waiting for a binding slot. */
  private readonly slotWaiters: (() => void)[] = [];
  private slotsInUse = 0;
  /** Where the next cycle starts filtering (kube-scheduler's nextStartNodeIndex). */
  private nextStartNodeIndex = 0;
  /** Failed bindings per pod since it was last seen bound, and when its back-off ends. */
  private readonly bindFailures = new Map<string, { failures: number; untilMs: number }>();
  private retryPending = false;
  private readonly log: Logger;
  /** Scheduled and FailedScheduling (repeats counted into one Event). */
  private readonly recorder: EventRecorder;
  /** Where cycles hand their events over, written in the background. */
  private readonly events: BackgroundEvents;
  private readonly attempts: SchedulerMetrics;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
    this.attempts = new SchedulerMetrics(
      registryOf(opts.metrics),
      opts.schedulerName ?? 'default-scheduler',
    );
    this.log = opts.logger ?? consoleLogger('scheduler', true);
    this.recorder = new EventRecorder({
      client: opts.client,
      component: 'default-scheduler',
      logger: this.log,
      now: () => new Date(),
    });
    this.events = new BackgroundEvents({ logger: this.log });
    this.informers = opts.informers ?? new InformerFactory(opts.client);
    const pods = this.informers.for<Pod>(PODS);
    this.pods = pods;
    const nodes = this.informers.for<Node>(NODES);
    this.controller = new Controller({
      name: 'scheduler',
      informers: [pods, nodes],
      reconcile: (k) => this.reconcile(k),
      // kube-scheduler's active queue: higher spec.priority first (Priority admission sets it)
      queue: new WorkQueue({ priorityOf: (k) => pods.get(k)?.spec.priority ?? 0 }),
      workers: opts.workers ?? 1,
      logger: this.log,
    });
    const onPod = (p: Pod): void => {
      this.cache.setPod(p);
      if (p.spec.nodeName) this.bindFailures.delete(objectKey(p));
      if (
        !p.spec.nodeName &&
        !p.metadata.deletionTimestamp &&
        (p.spec.schedulerName ?? 'default-scheduler') ===
          (opts.schedulerName ?? 'default-scheduler')
      ) {
        this.controller.enqueueObject(p);
      }
    };
    pods.addEventHandler({
      onAdd: onPod,
      onUpdate: (_o, n) => onPod(n),
      onDelete: (p) => {
        this.cache.removePod(objectKey(p));
        this.bindFailures.delete(objectKey(p));
      },
    });
    // node events come in bursts (a relist, heartbeats): requeue the pending pods once per burst
    const retryAll = (): void => {
      if (this.retryPending) return;
      this.retryPending = true;
      setImmediate(() => {
        this.retryPending = false;
        for (const p of pods.list()) {
          if (!p.spec.nodeName && !p.metadata.deletionTimestamp) this.controller.enqueueObject(p);
        }
      });
    };
    nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.setNode(n);
        retryAll();
      },
      onUpdate: (o, n) => {
        this.cache.setNode(n);
        if (
          JSON.stringify(o.spec) !== JSON.stringify(n.spec) ||
          JSON.stringify(o.status?.allocatable) !== JSON.stringify(n.status?.allocatable)
        ) {
          retryAll();
        }
      },
      onDelete: (n) => {
        this.cache.removeNode(n);
      },
    });
  }

  /** Runs until the signal aborts (starts the informers unless they were shared). */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.opts.informers) this.informers.start(signal);
    await this.controller.run(signal, this.opts.metrics);
    while (this.binding.size > 0) await Promise.allSettled([...this.binding]);
    await this.events.drained();
    if (!this.opts.informers) await this.informers.stopped();
  }

  /**
   * One scheduling cycle for a pod: filter and score the cached nodes, assume the pod on the
   * chosen node and start its binding cycle; or record why it is unschedulable and retry later.
   */
  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const start = performance.now();
    try {
      const out = await this.scheduleCycle(key);
      if (out !== 'skipped') {
        this.attempts.attempt(out.result, (performance.now() - start) / 1000);
      }
      return out === 'skipped' ? undefined : out.requeue;
    } catch (err) {
      this.attempts.attempt('error', (performance.now() - start) / 1000);
      throw err;
    }
  }

  private async scheduleCycle(
    key: string,
  ): Promise<
    | 'skipped'
    | { result: 'scheduled' | 'unschedulable'; requeue: { requeueAfterMs: number } | undefined }
  > {
    const pod = this.pods.get(key);
    if (!pod || pod.spec.nodeName || pod.metadata.deletionTimestamp || this.cache.isAssumed(key)) {
      return 'skipped';
    }
    // still backing off after a failed binding (queued again meanwhile, e.g. by a node event)
    const backoff = this.bindFailures.get(key);
    if (backoff && backoff.untilMs > performance.now()) {
      this.controller.queue.addAfter(key, Math.ceil(backoff.untilMs - performance.now()));
      return 'skipped';
    }
    const infos = this.cache.nodeInfos();
    const result = scheduleOne(
      pod,
      infos,
      this.opts.filters ?? defaultFilters,
      this.opts.scores ?? defaultScores,
      Math.random,
      {
        start: this.nextStartNodeIndex,
        feasibleToFind: numFeasibleNodesToFind(
          infos.length,
          this.opts.percentageOfNodesToScore ?? 0,
        ),
      },
    );
    if ('node' in result) {
      this.nextStartNodeIndex = (this.nextStartNodeIndex + result.evaluated) % infos.length;
      this.cache.assume(pod, result.node);
      await this.acquireSlot();
      const done = this.bindingCycle(pod, key, result.node).finally(() => {
        this.binding.delete(done);
      });
      this.binding.add(done);
      return { result: 'scheduled', requeue: undefined };
    }
    const podClient = this.opts.client.resource<Pod>(PODS, pod.metadata.namespace);
    const message = unschedulableMessage(this.cache.nodeCount, result.reasons);
    const old = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (old?.message !== message) {
      const next = structuredClone(pod);
      const cond: Condition = {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastTransitionTime: new Date().toISOString(),
      };
      next.status = {
        ...(next.status ?? {}),
        phase: 'Pending',
        conditions: [
          ...(next.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
          cond,
        ],
      };
      await podClient.updateStatus(next).catch((err: unknown) => {
        if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
      });
      this.event(pod, 'Warning', 'FailedScheduling', message);
    }
    return { result: 'unschedulable', requeue: { requeueAfterMs: this.opts.retryMs ?? 2000 } };
  }

  /** Takes one of the `maxInflightBindings` slots, waiting for one to be released if needed. */
  private acquireSlot(): Promise<void> {
    if (this.slotsInUse < (this.opts.maxInflightBindings ?? 32)) {
      this.slotsInUse++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  /** Hands the slot to the next waiting cycle, or frees it. */
  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.slotsInUse--;
  }

  /**
   * The binding cycle: POST pods/binding (holding the slot taken by the scheduling cycle), then
   * the Scheduled event. Never rejects: a failed binding forgets the assumed pod and requeues it.
   */
  private async bindingCycle(pod: Pod, key: string, node: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    try {
      await this.opts.client.resource<Pod>(PODS, namespace).subresource(name, 'binding', 'POST', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
    } catch (err) {
      this.cache.forget(key);
      if (err instanceof NotFoundError) return;
      // usually bound by someone else meanwhile (the next cycle sees it bound and stops there)
      if (!(err instanceof ConflictError)) {
        this.log.warn(
          `binding ${key} to ${node} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      // kube-scheduler's back-off queue: a binding that keeps failing is retried less often (the
      // controller forgot the key when its scheduling cycle succeeded, so not addRateLimited)
      const failures = (this.bindFailures.get(key)?.failures ?? 0) + 1;
      const { initialMs, maxMs } = this.opts.bindBackoff ?? { initialMs: 1000, maxMs: 10_000 };
      const delay = Math.min(maxMs, initialMs * 2 ** (failures - 1));
      this.bindFailures.set(key, { failures, untilMs: performance.now() + delay });
      this.controller.queue.addAfter(key, delay);
      return;
    } finally {
      this.releaseSlot();
    }
    this.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${namespace ?? ''}/${name} to ${node}`,
    );
  }

  /** Records an event in the background (kube-scheduler's broadcaster; see background-events.ts). */
  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    // list items may come without apiVersion/kind; describe finds events by kind
    const obj = { ...pod, apiVersion: 'v1', kind: 'Pod' };
    this.events.emit(() => this.recorder.event(obj, type, reason, message));
  }
}
