import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../machinery/meta.js';
import type { KubeClient } from '../machinery/client/kube-client.js';
import type { Logger } from '../machinery/controller/index.js';
import { NotFoundError } from '../machinery/errors/index.js';
import { EVENTS } from './gvr.js';
import type { Event } from './core-types.js';

/** Options for {@link EventRecorder}. */
export interface EventRecorderOptions {
  client: KubeClient;
  /** `source.component`, e.g. `deployment-controller`. */
  component: string;
  /** `source.host`: the node a kubelet records from. @defaultValue none */
  host?: string;
  logger: Logger;
  now: () => Date;
}

/** Extra fields of one event. */
export interface EventDetails {
  /** `involvedObject.fieldPath`, e.g. `spec.containers{web}`. */
  fieldPath?: string;
}

/** Kubernetes' event correlator window: a repeat within it bumps the count of the same Event. */
const AGGREGATE_WINDOW_MS = 10 * 60_000;
/** Bound on the remembered series (Kubernetes' LRU holds 4096). */
const MAX_SERIES = 4096;

/** A recorded event that later identical ones aggregate into. */
interface Series {
  name: string;
  namespace: string;
  count: number;
  lastMs: number;
}

/**
 * Writes core/v1 Events about objects (what `kubectl describe` and `kubectl get events` show).
 * Like Kubernetes' EventCorrelator, an event identical to one recorded less than 10 minutes
 * before (same object, fieldPath, type, reason and message) patches that Event's `count` and
 * `lastTimestamp` instead of creating another, so a crash loop does not flood the namespace.
 * Best effort: a failed write is logged, never thrown, so that an events outage cannot stop
 * reconciliation. Writes about one object run in the order they were recorded, so a caller on a
 * hot path may go on without awaiting them (as client-go's recorder is asynchronous) and
 * `written()` waits for them.
 */
export class EventRecorder {
  private readonly opts: EventRecorderOptions;
  private readonly series = new Map<string, Series>();
  /**
   * The last write about each object: its writes run one after another, so a repeat never races
   * its own create and the object's events are created in the order recorded.
   */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(opts: EventRecorderOptions) {
    this.opts = opts;
  }

  /** A recorder for another component sharing client, logger and clock. */
  forComponent(component: string): EventRecorder {
    return new EventRecorder({ ...this.opts, component });
  }

  /** Records one event about `obj` (or counts it into an identical recent one). */
  async event(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    details: EventDetails = {},
  ): Promise<void> {
    const m = obj.metadata;
    const about = [m.namespace, obj.kind, m.name, m.uid];
    const key = JSON.stringify([...about, details.fieldPath, type, reason, message]);
    const tail = JSON.stringify(about);
    const prev = this.tails.get(tail) ?? Promise.resolve();
    const next = prev.then(() => this.write(key, obj, type, reason, message, details));
    this.tails.set(tail, next);
    await next;
    if (this.tails.get(tail) === next) this.tails.delete(tail);
  }

  /** Resolves once every event recorded before the call is written (or given up). */
  async written(): Promise<void> {
    await Promise.all(this.tails.values());
  }

  private async write(
    key: string,
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    details: EventDetails,
  ): Promise<void> {
    const now = this.opts.now();
    const ts = now.toISOString();
    const seen = this.series.get(key);
    try {
      if (seen && now.getTime() - seen.lastMs < AGGREGATE_WINDOW_MS) {
        const patched = await this.bump(seen, ts);
        if (patched) {
          seen.lastMs = now.getTime();
          return;
        }
      }
      const ev = this.newEvent(obj, type, reason, message, details, ts);
      await this.opts.client.resource<Event>(EVENTS, ev.metadata.namespace).create(ev);
      this.remember(key, {
        name: ev.metadata.name ?? '',
        namespace: ev.metadata.namespace ?? '',
        count: 1,
        lastMs: now.getTime(),
      });
    } catch (err) {
      this.opts.logger.warn(
        `event ${reason} on ${obj.kind}/${obj.metadata.name ?? ''} not recorded: ${String(err)}`,
      );
    }
  }

  /** Increments a recorded event; false when it is gone (deleted or expired). */
  private async bump(s: Series, ts: string): Promise<boolean> {
    try {
      await this.opts.client
        .resource<Event>(EVENTS, s.namespace)
        .patch(s.name, { count: s.count + 1, lastTimestamp: ts }, 'merge');
      s.count++;
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  private remember(key: string, s: Series): void {
    this.series.delete(key);
    this.series.set(key, s);
    // Map keeps insertion order: the first key is the least recently recorded series
    if (this.series.size > MAX_SERIES) {
      const oldest = this.series.keys().next().value;
      if (oldest !== undefined) this.series.delete(oldest);
    }
  }

  private newEvent(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    details: EventDetails,
    ts: string,
  ): Event {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${obj.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`,
        namespace: obj.metadata.namespace ?? 'default',
      },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name ?? '',
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
        ...(details.fieldPath ? { fieldPath: details.fieldPath } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: {
        component: this.opts.component,
        ...(this.opts.host ? { host: this.opts.host } : {}),
      },
      // as client-go's recorder fills them: events.k8s.io/v1 reads them as reportingController
      // and reportingInstance
      reportingComponent: this.opts.component,
      ...(this.opts.host ? { reportingInstance: this.opts.host } : {}),
    };
  }
}
