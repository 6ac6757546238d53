import type { Registry } from 'prom-client';
import { counter } from '../../machinery/metrics/metric-factory.js';

/** What {@link registerNotificationMetrics} reads: the receiver's plain counts. */
export interface NotificationCounts {
  /** Push events of manifests handled (each may create PromotionRequests). */
  readonly received: number;
  /** Notifications refused for a missing or wrong secret. */
  readonly refused: number;
}

/**
 * Registers `flotilla_promotion_notifications_total{result="accepted"|"refused"}` on `registry`,
 * read from `counts` when scraped: the receiver only bumps plain numbers, so it needs no
 * registry of its own (the promotion service's `--metrics-bind-address`).
 */
export function registerNotificationMetrics(registry: Registry, counts: NotificationCounts): void {
  counter(registry, {
    name: 'flotilla_promotion_notifications_total',
    help: 'Registry push notifications: manifest push events accepted, or notifications refused for a bad secret.',
    labelNames: ['result'],
    collect() {
      this.reset();
      this.inc({ result: 'accepted' }, counts.received);
      this.inc({ result: 'refused' }, counts.refused);
    },
  });
}
