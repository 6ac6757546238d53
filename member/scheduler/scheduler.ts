import { objectKey, splitKey, type Condition } from '../../federation/apis/meta.js';
import type { KubeClient } from '../../federation/machinery/client/kube-client.js';
import {
  consoleLogger,
  Controller,
  type Logger,
} from '../../federation/machinery/controller/index.js';
import { ConflictError, NotFoundError } from '../../federation/machinery/errors/index.js';
import { InformerFactory } from '../../federation/machinery/informer/index.js';
import { EVENTS, NODES, PODS, type Node, type Pod } from '../apis/index.js';
import { addPod, nodeInfo, type FilterPlugin, type ScorePlugin } from './framework.js';
import { defaultFilters, defaultScores } from './registry.js';
import { scheduleOne, unschedulableMessage } from './schedule-one.js';

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
  workers?: number;
  logger?: Logger;
}

/** Places pending pods on nodes: filter → score → bind (pods/binding) with an assumed-pod cache. */
export class Scheduler {
  readonly informers: InformerFactory;
  private readonly opts: SchedulerOptions;
  private readonly controller: Controller;
  /** Pods bound by us that the informer has not shown bound yet (key → node). */
  private readonly assumed = new Map<string, string>();
  private readonly log: Logger;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
    this.log = opts.logger ?? consoleLogger('scheduler', true);
    this.informers = opts.informers ?? new InformerFactory(opts.client);
    const pods = this.informers.for<Pod>(PODS);
    const nodes = this.informers.for<Node>(NODES);
    this.controller = new Controller({
      name: 'scheduler',
      informers: [pods, nodes],
      reconcile: (k) => this.reconcile(k),
      workers: opts.workers ?? 1,
      logger: this.log,
    });
    const onPod = (p: Pod): void => {
      if (p.spec.nodeName) this.assumed.delete(objectKey(p));
      else if (
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
      onDelete: (p) => this.assumed.delete(objectKey(p)),
    });
    const retryAll = (): void => {
      for (const p of pods.list()) {
        if (!p.spec.nodeName && !p.metadata.deletionTimestamp) this.controller.enqueueObject(p);
      }
    };
    nodes.addEventHandler({
      onAdd: retryAll,
      onUpdate: (o, n) => {
        if (
          JSON.stringify(o.spec) !== JSON.stringify(n.spec) ||
          JSON.stringify(o.status?.allocatable) !== JSON.stringify(n.status?.allocatable)
        ) {
          retryAll();
        }
      },
    });
  }

  /** Runs until the signal aborts (starts the informers unless they were shared). */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.opts.informers) this.informers.start(signal);
    await this.controller.run(signal);
    if (!this.opts.informers) await this.informers.stopped();
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const pod = this.informers.for<Pod>(PODS).get(key);
    if (!pod || pod.spec.nodeName || pod.metadata.deletionTimestamp || this.assumed.has(key)) {
      return undefined;
    }
    const nodes = this.informers.for<Node>(NODES).list();
    const byNode = new Map<string, Pod[]>();
    for (const p of this.informers.for<Pod>(PODS).list()) {
      const n = p.spec.nodeName ?? this.assumed.get(objectKey(p));
      if (n && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') {
        byNode.set(n, [...(byNode.get(n) ?? []), p]);
      }
    }
    const infos = nodes.map((n) => nodeInfo(n, byNode.get(n.metadata.name ?? '') ?? []));
    const result = scheduleOne(
      pod,
      infos,
      this.opts.filters ?? defaultFilters,
      this.opts.scores ?? defaultScores,
    );
    const { namespace, name } = splitKey(key);
    const podClient = this.opts.client.resource<Pod>(PODS, namespace);
    if ('node' in result) {
      this.assumed.set(key, result.node);
      const info = infos.find((i) => i.node.metadata.name === result.node);
      if (info) addPod(info, pod);
      try {
        await podClient.subresource(name, 'binding', 'POST', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace },
          target: { apiVersion: 'v1', kind: 'Node', name: result.node },
        });
      } catch (err) {
        this.assumed.delete(key);
        if (err instanceof NotFoundError || err instanceof ConflictError) return undefined;
        throw err;
      }
      await this.event(
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${namespace ?? ''}/${name} to ${result.node}`,
      );
      return undefined;
    }
    const message = unschedulableMessage(nodes.length, result.reasons);
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
      await this.event(pod, 'Warning', 'FailedScheduling', message);
    }
    return { requeueAfterMs: this.opts.retryMs ?? 2000 };
  }

  private async event(
    pod: Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const now = new Date().toISOString();
    await this.opts.client
      .resource(EVENTS, pod.metadata.namespace)
      .create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${pod.metadata.name ?? 'pod'}.` },
        involvedObject: {
          kind: 'Pod',
          name: pod.metadata.name,
          namespace: pod.metadata.namespace,
          uid: pod.metadata.uid,
          apiVersion: 'v1',
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: 'default-scheduler' },
      })
      .catch((err: unknown) => {
        this.log.warn(`event: ${err instanceof Error ? err.message : String(err)}`);
      });
  }
}
