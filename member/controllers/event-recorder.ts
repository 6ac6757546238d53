import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../../federation/apis/meta.js';
import type { KubeClient } from '../../federation/machinery/client/kube-client.js';
import type { Logger } from '../../federation/machinery/controller/index.js';
import { EVENTS, type Event } from '../apis/index.js';

/** Options for {@link EventRecorder}. */
export interface EventRecorderOptions {
  client: KubeClient;
  /** `source.component`, e.g. `deployment-controller`. */
  component: string;
  logger: Logger;
  now: () => Date;
}

/**
 * Writes core/v1 Events about objects (what `kubectl describe` and `kubectl get events` show).
 * Best effort: a failed write is logged, never thrown, so that an events outage cannot stop
 * reconciliation.
 */
export class EventRecorder {
  private readonly opts: EventRecorderOptions;

  constructor(opts: EventRecorderOptions) {
    this.opts = opts;
  }

  /** A recorder for another component sharing client, logger and clock. */
  forComponent(component: string): EventRecorder {
    return new EventRecorder({ ...this.opts, component });
  }

  /** Records one event about `obj`. */
  async event(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const ts = this.opts.now().toISOString();
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${obj.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`,
        namespace: ns,
      },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name ?? '',
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: { component: this.opts.component },
    };
    try {
      await this.opts.client.resource<Event>(EVENTS, ns).create(ev);
    } catch (err) {
      this.opts.logger.warn(
        `event ${reason} on ${obj.kind}/${obj.metadata.name ?? ''} not recorded: ${String(err)}`,
      );
    }
  }
}
