/**
 * The execution stage of Push members: the propagation controller decides what each member should
 * hold for a template (a copy to write, or one to release) and hands it here; one queue per member
 * cluster, with its own workers and per-item back-off, makes it so. A slow or failing member only
 * delays its own queue: the template's reconcile never waits on a member, and reads back the
 * outcome of the last attempt (a changed outcome brings the template back).
 */
import type { Cluster } from '../../apis/index.js';
import type { Logger } from '../../../machinery/controller/index.js';
import { ApiError } from '../../../machinery/errors/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import {
  PartitionedQueues,
  type RateLimiter,
  type WorkqueueMetricsProvider,
} from '../../../machinery/workqueue/index.js';
import { ClusterCredentialsError } from '../cluster-clients.js';
import type { ReleaseOptions } from './member-cleanup.js';
import type { ConflictResolution } from './member-writer.js';
import type { ApplyResult, TemplateType } from './template-type.js';

/** The name of the execution queues in the metrics (`member-execution/<cluster>`). */
export const ExecutionQueueName = 'member-execution';

/** Write the template's copy `desired` into the member. */
export interface ApplyIntent {
  op: 'apply';
  cluster: Cluster;
  t: TemplateType;
  tmpl: KubeObject;
  desired: KubeObject;
  conflictResolution: ConflictResolution | undefined;
}

/** Take the template's copy out of the member. */
export interface ReleaseIntent {
  op: 'release';
  cluster: Cluster;
  t: TemplateType;
  tmpl: KubeObject;
  release: ReleaseOptions;
}

/** What a member should hold for one template. */
export type MemberIntent = ApplyIntent | ReleaseIntent;

/** What {@link MemberExecution} executes with. */
export interface MemberExecutionOptions {
  /** Writes a copy. @throws the member's errors */
  apply: (i: ApplyIntent) => Promise<ApplyResult>;
  /** Releases a copy; true when nothing is left. @throws the member's errors */
  release: (i: ReleaseIntent) => Promise<boolean>;
  /** The outcome for template `key` changed: reconcile it again. */
  changed: (key: string) => void;
  /** Workers of each member's queue. @defaultValue 8 */
  workers?: number;
  /** Each member queue's rate limiter. @defaultValue per-item exponential, 200 ms → 30 s */
  rateLimiter?: () => RateLimiter;
  logger: Logger;
}

/** What one member should hold for one template, and what the last attempt came to. */
interface Slot {
  intent: MemberIntent;
  /** What the intent asks for (a new one is queued at once, even while backing off). */
  fingerprint: string;
  result?: ApplyResult;
  released?: boolean;
  /** The last outcome, as compared to decide whether the template is told. */
  outcome?: string;
}

/**
 * True when a failed member call is worth a retry with back-off: the member did not answer, or
 * answered 5xx / 429 / a conflict with what it was believed to hold. Other 4xx answers (Invalid,
 * Forbidden) and missing credentials are kept as the outcome; the template's resync tries again.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ClusterCredentialsError) return false;
  if ((err as { retryable?: unknown } | null)?.retryable === true) return true;
  if (!(err instanceof ApiError)) return true;
  return err.code >= 500 || err.code === 429 || err.code === 409 || err.code === 404;
}

/** Per-member execution queues for the propagation controller (see the file comment). */
export class MemberExecution {
  private readonly opts: MemberExecutionOptions;
  private readonly queues: PartitionedQueues;
  /** cluster → template key → slot. */
  private readonly slots = new Map<string, Map<string, Slot>>();
  /** `cluster|key` of the calls running now. */
  private readonly inFlight = new Set<string>();

  constructor(opts: MemberExecutionOptions) {
    this.opts = opts;
    this.queues = new PartitionedQueues({
      name: ExecutionQueueName,
      handle: (cluster, key) => this.execute(cluster, key),
      workers: opts.workers ?? 8,
      ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
      onError: (cluster, key, err) => {
        opts.logger.warn(
          `${ExecutionQueueName}/${cluster}: ${key} failed, retried with back-off: ${err instanceof Error ? err.message : String(err)}`,
        );
      },
    });
  }

  /** Runs the member queues until `signal` aborts (see {@link PartitionedQueues.run}). */
  run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    return this.queues.run(signal, metrics);
  }

  /**
   * Asks for the template `key`'s copy in `i.cluster` to be `i.desired`: queued at once when it
   * differs from what was asked before, otherwise re-checked (drift) unless a retry is pending.
   * @returns the outcome of the last attempt; `pending` before the first one
   */
  apply(key: string, i: ApplyIntent): ApplyResult {
    const name = i.cluster.metadata.name ?? '';
    const slot = this.ask(key, i, ['apply', i.desired, i.conflictResolution ?? 'Abort']);
    return (
      slot.result ?? {
        cluster: name,
        applied: false,
        pending: true,
        message: `waiting to be written to cluster ${name}`,
      }
    );
  }

  /**
   * Asks for the template `key`'s copy in `i.cluster` to be released.
   * @returns true once the last attempt left nothing there
   */
  release(key: string, i: ReleaseIntent): boolean {
    return this.ask(key, i, ['release', i.release]).released === true;
  }

  /**
   * Stops executing anything for template `key` (it is gone, or cleaned up by its reconcile).
   * @returns the clusters where a call for it is still running (their outcome could undo a cleanup)
   */
  forget(key: string): string[] {
    const busy: string[] = [];
    for (const [cluster, m] of this.slots) {
      if (this.inFlight.has(`${cluster}|${key}`)) busy.push(cluster);
      m.delete(key);
    }
    return busy;
  }

  /** The member is back (Ready again): retry what waits out a back-off now. */
  retryNow(cluster: string): void {
    this.queues.retryNow(cluster);
  }

  /** The member left the federation: drop its queue and what it should hold. */
  dropCluster(cluster: string): void {
    this.slots.delete(cluster);
    this.queues.drop(cluster);
  }

  /** Items queued for `cluster` (not being executed). */
  depth(cluster: string): number {
    return this.queues.depth(cluster);
  }

  private ask(key: string, i: MemberIntent, what: unknown): Slot {
    const cluster = i.cluster.metadata.name ?? '';
    let m = this.slots.get(cluster);
    if (!m) {
      m = new Map();
      this.slots.set(cluster, m);
    }
    const fingerprint = JSON.stringify(what);
    const slot = m.get(key);
    if (slot?.fingerprint === fingerprint) {
      slot.intent = i;
      // an apply is checked again (drift: cheap, from the member cache); a done release is done
      if (slot.released !== true && !this.queues.backingOff(cluster, key)) {
        this.queues.add(cluster, key);
      }
      return slot;
    }
    const next: Slot = {
      intent: i,
      fingerprint,
      // what the member holds until the new intent was carried out (an apply keeps the old copy)
      ...(slot?.result && i.op === 'apply' ? { result: slot.result } : {}),
    };
    m.set(key, next);
    this.queues.add(cluster, key);
    return next;
  }

  private async execute(cluster: string, key: string): Promise<void> {
    const slot = this.slots.get(cluster)?.get(key);
    if (!slot) return;
    const i = slot.intent;
    const id = `${cluster}|${key}`;
    this.inFlight.add(id);
    try {
      if (i.op === 'apply') this.record(cluster, key, slot, await this.opts.apply(i));
      else this.record(cluster, key, slot, undefined, await this.opts.release(i));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.record(cluster, key, slot, { cluster, applied: false, message }, false);
      if (isRetryable(err)) throw err;
    } finally {
      this.inFlight.delete(id);
    }
  }

  /** Keeps the outcome; the template is told when it changed (and the slot is still wanted). */
  private record(
    cluster: string,
    key: string,
    slot: Slot,
    result: ApplyResult | undefined,
    released?: boolean,
  ): void {
    if (slot.intent.op === 'apply' && result) slot.result = result;
    if (released !== undefined) slot.released = released;
    const outcome = JSON.stringify([
      result?.applied,
      result?.message,
      result?.object?.metadata.generation,
      result?.object?.status,
      released,
    ]);
    if (outcome === slot.outcome) return;
    slot.outcome = outcome;
    if (this.slots.get(cluster)?.get(key) === slot) this.opts.changed(key);
  }
}
