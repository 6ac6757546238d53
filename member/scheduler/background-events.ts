/**
 * The scheduler's events (Scheduled, FailedScheduling) written in the background, like client-go's
 * event broadcaster that kube-scheduler records through: a cycle hands the event over and goes
 * on, a few writers send them, and a burst beyond the queue's bound drops events (best effort, as
 * client-go's `maxQueuedEvents` of 1000) instead of holding up scheduling or binding.
 */
import type { Logger } from '../../machinery/controller/index.js';

/** Options for {@link BackgroundEvents}. */
export interface BackgroundEventsOptions {
  /** Events written at once. @defaultValue 4 */
  writers?: number;
  /** Events waiting at most; later ones are dropped. @defaultValue 1000 (client-go's) */
  maxQueued?: number;
  logger: Logger;
}

/** A bounded queue of event writes with a few writers. */
export class BackgroundEvents {
  private readonly waiting: (() => Promise<void>)[] = [];
  private readonly writers: number;
  private readonly maxQueued: number;
  private readonly log: Logger;
  private active = 0;
  private readonly idle: (() => void)[] = [];
  /** Events dropped because the queue was full (since the start). */
  dropped = 0;

  constructor(opts: BackgroundEventsOptions) {
    this.writers = opts.writers ?? 4;
    this.maxQueued = opts.maxQueued ?? 1000;
    this.log = opts.logger;
  }

  /** Queues one event write (`write` never rejects: the recorder logs its own failures). */
  emit(write: () => Promise<void>): void {
    if (this.waiting.length >= this.maxQueued) {
      // one line per 100 dropped, as client-go logs "Unable to write event" per drop
      if (this.dropped++ % 100 === 0) {
        this.log.warn(
          `event queue full (${String(this.maxQueued)} waiting): dropping events (${String(this.dropped)} so far)`,
        );
      }
      return;
    }
    this.waiting.push(write);
    this.pump();
  }

  /** Resolves once every queued event was written. */
  drained(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.active < this.writers) {
      const next = this.waiting.shift();
      if (!next) break;
      this.active++;
      void next()
        .catch(() => undefined)
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.waiting.length === 0) {
            for (const r of this.idle.splice(0)) r();
          }
        });
    }
  }
}
