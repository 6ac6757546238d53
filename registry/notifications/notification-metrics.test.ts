import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerNotificationMetrics } from './notification-metrics.js';

describe('notification metrics', () => {
  it('reads the receiver counts when scraped', async () => {
    const registry = new Registry();
    const counts = { received: 0, refused: 0 };
    registerNotificationMetrics(registry, counts);
    counts.received = 3;
    counts.refused = 1;
    const text = await registry.metrics();
    expect(text).toContain('flotilla_promotion_notifications_total{result="accepted"} 3');
    expect(text).toContain('flotilla_promotion_notifications_total{result="refused"} 1');
    counts.received = 4;
    expect(await registry.metrics()).toContain(
      'flotilla_promotion_notifications_total{result="accepted"} 4',
    );
  });
});
