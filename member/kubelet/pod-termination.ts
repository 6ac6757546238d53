import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import { ConflictError, NotFoundError } from '../../machinery/errors/index.js';
import { objectKey } from '../../machinery/meta.js';
import { PODS, type Pod, type PodStatus } from '../../api/index.js';
import { LABEL_CONTAINER, LABEL_POD_UID, type ContainerRuntime } from './container-runtime.js';
import type { PodEvents } from './pod-events.js';

/** Options for {@link PodTerminator}. */
export interface PodTerminatorOptions {
  client: KubeClient;
  runtime: ContainerRuntime;
  events: PodEvents;
  /** Clock for the remaining grace period. @defaultValue Date.now */
  now?: () => number;
  logger: Logger;
  /** A pod's containers are stopped and removed (its address may go). */
  onStopped?: (uid: string) => void;
  /** A termination failed (e.g. its DELETE): the pod should be synced again later. */
  onFailed?: (key: string) => void;
}

/**
 * The grace period left for a pod marked for deletion, in seconds: until its deletionTimestamp
 * (which the API server set to the DELETE's time + period), never more than
 * deletionGracePeriodSeconds; 0 once it passed.
 */
export function remainingGraceSeconds(pod: Pod, nowMs: number): number {
  const grace =
    pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  const deadline = Date.parse(pod.metadata.deletionTimestamp ?? '');
  if (Number.isNaN(deadline)) return grace;
  return Math.max(0, Math.min(grace, Math.ceil((deadline - nowMs) / 1000)));
}

/**
 * The pod's status as termination begins: every container and the pod not ready, so Endpoints and
 * EndpointSlices drop it before its containers stop. Undefined when nothing changes.
 */
export function notReadyStatus(
  status: PodStatus | undefined,
  nowMs: number,
): PodStatus | undefined {
  if (!status) return undefined;
  const next = structuredClone(status);
  let changed = false;
  for (const cs of next.containerStatuses ?? []) {
    if (cs.ready) {
      cs.ready = false;
      changed = true;
    }
  }
  for (const c of next.conditions ?? []) {
    if ((c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== 'False') {
      c.status = 'False';
      c.reason = 'ContainersNotReady';
      c.lastTransitionTime = new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
      changed = true;
    }
  }
  return changed ? next : undefined;
}

/** One pod being terminated. */
interface Termination {
  /** The grace period its containers were last asked to stop within. */
  grace: number;
  /** Settles once the containers are gone and the pod deleted (or the attempt failed). */
  done: Promise<void>;
  /** Extra, shorter stops asked for while it ran (a later DELETE shortened the period). */
  shortened: Promise<void>[];
}

/**
 * Terminates pods marked for deletion, as the kubelet's pod workers and status manager do: the pod
 * goes not ready at once, its containers get SIGTERM and, after the remaining grace period,
 * SIGKILL (the runtime's stop with a timeout), then the pod object is deleted with grace 0 and a
 * precondition on its uid, so a new pod with the same name is never hit. Each pod terminates in the
 * background so a long grace period does not hold a sync worker; `stopped()` awaits them all.
 */
export class PodTerminator {
  private readonly opts: PodTerminatorOptions;
  private readonly now: () => number;
  /** Running terminations by pod uid. */
  private readonly running = new Map<string, Termination>();

  constructor(opts: PodTerminatorOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** True while the pod with this uid is being terminated. */
  terminating(uid: string): boolean {
    return this.running.has(uid);
  }

  /**
   * Begins terminating a pod marked for deletion, or, when already under way and the period got
   * shorter, stops its containers again within the new period. Returns at once.
   */
  terminate(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const grace = remainingGraceSeconds(pod, this.now());
    const cur = this.running.get(uid);
    if (cur) {
      if (grace < cur.grace) {
        cur.grace = grace;
        cur.shortened.push(
          this.stopContainers(pod, grace).catch((e: unknown) => this.warn(pod, e)),
        );
      }
      return;
    }
    const t: Termination = { grace, done: Promise.resolve(), shortened: [] };
    this.running.set(uid, t);
    t.done = this.run(pod, grace)
      .catch((e: unknown) => {
        this.warn(pod, e);
        this.opts.onFailed?.(objectKey(pod));
      })
      .finally(() => this.running.delete(uid));
  }

  /** Settles once every termination under way ended. */
  async stopped(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.all([...this.running.values()].flatMap((t) => [t.done, ...t.shortened]));
    }
  }

  private warn(pod: Pod, err: unknown): void {
    this.opts.logger.warn(
      `terminate ${objectKey(pod)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  private async run(pod: Pod, grace: number): Promise<void> {
    await this.markNotReady(pod);
    await this.stopContainers(pod, grace, true);
    this.opts.onStopped?.(pod.metadata.uid ?? '');
    try {
      await this.opts.client.resource<Pod>(PODS, pod.metadata.namespace).delete(
        pod.metadata.name ?? '',
        // the uid precondition: a pod created since with the same name (StatefulSet) is not ours
        { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid ?? '' } },
      );
    } catch (err) {
      // gone already (force-deleted), or replaced by a new pod of the same name: nothing to do
      if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
    }
  }

  /** Readiness false at once; a failure here only delays the endpoints, so it does not stop us. */
  private async markNotReady(pod: Pod): Promise<void> {
    const status = notReadyStatus(pod.status, this.now());
    if (!status) return;
    try {
      await this.opts.client
        .resource<Pod>(PODS, pod.metadata.namespace)
        .updateStatus({ ...structuredClone(pod), status });
    } catch (err) {
      if (!(err instanceof NotFoundError)) this.warn(pod, err);
    }
  }

  /** SIGTERM, SIGKILL after `grace` seconds (the runtime's stop), then remove. */
  private async stopContainers(pod: Pod, grace: number, remove = false): Promise<void> {
    const containers = await this.opts.runtime.list({ [LABEL_POD_UID]: pod.metadata.uid ?? '' });
    await Promise.all(
      containers.map(async (rc) => {
        if (rc.running) {
          if (remove) {
            await this.opts.events.killing(pod, { name: rc.labels[LABEL_CONTAINER] ?? '' });
          }
          await this.opts.runtime.stop(rc.id, grace);
        }
        if (remove) await this.opts.runtime.remove(rc.id);
      }),
    );
  }
}
