import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram } from './metric-factory.js';

/** From a tenth of a second to ten minutes. */
const COPY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** How one image copy of a promotion ended. */
export type CopyResult = 'success' | 'failure';

/**
 * The promotion workers' image copies: `flotilla_promotion_copies_total{result}`,
 * `flotilla_promotion_copy_bytes_total` (blob bytes copied) and
 * `flotilla_promotion_copy_duration_seconds{result}`.
 */
export class PromotionMetrics {
  private readonly copies: Counter<'result'>;
  private readonly bytes: Counter;
  private readonly durations: Histogram<'result'>;

  constructor(registry: Registry | undefined) {
    this.copies = counter(registry, {
      name: 'flotilla_promotion_copies_total',
      help: 'Image copies between registries done by promotion workers, by result.',
      labelNames: ['result'],
    });
    this.bytes = counter(registry, {
      name: 'flotilla_promotion_copy_bytes_total',
      help: 'Blob bytes copied between registries by promotion workers.',
    });
    this.durations = histogram(registry, {
      name: 'flotilla_promotion_copy_duration_seconds',
      help: 'Seconds one image copy took, by result.',
      labelNames: ['result'],
      buckets: COPY_BUCKETS,
    });
  }

  /** One copy ended after `seconds`, having moved `bytes` blob bytes. */
  copied(result: CopyResult, seconds: number, bytes = 0): void {
    this.copies.inc({ result });
    this.durations.observe({ result }, seconds);
    if (bytes > 0) this.bytes.inc(bytes);
  }
}
