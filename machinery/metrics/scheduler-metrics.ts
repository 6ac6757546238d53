import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram } from './metric-factory.js';

/** kube-scheduler's attempt buckets: 1 ms doubling to about 16 s. */
const ATTEMPT_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

/** How a scheduling attempt ended, as kube-scheduler labels it. */
export type ScheduleResult = 'scheduled' | 'unschedulable' | 'error';

/**
 * kube-scheduler's `scheduler_schedule_attempts_total{result,profile}` and
 * `scheduler_scheduling_attempt_duration_seconds{result,profile}`. The member scheduler reports
 * as profile `default-scheduler` (its schedulerName), the federation scheduler as
 * `federation-scheduler`, each on the registry of the process it runs in.
 */
export class SchedulerMetrics {
  private readonly attempts: Counter<'result' | 'profile'>;
  private readonly durations: Histogram<'result' | 'profile'>;
  private readonly profile: string;

  constructor(registry: Registry | undefined, profile: string) {
    this.profile = profile;
    this.attempts = counter(registry, {
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result. Unschedulable means a pod could not be scheduled, while error means an internal scheduler problem.',
      labelNames: ['result', 'profile'],
    });
    this.durations = histogram(registry, {
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: ATTEMPT_BUCKETS,
    });
  }

  /** Counts one attempt that took `seconds`. */
  attempt(result: ScheduleResult, seconds: number): void {
    const labels = { result, profile: this.profile };
    this.attempts.inc(labels);
    this.durations.observe(labels, seconds);
  }
}
