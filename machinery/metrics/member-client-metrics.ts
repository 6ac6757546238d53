import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from './metric-factory.js';

/** The states of a member client's circuit breaker, as {@link MemberClientMetrics} numbers them. */
const STATES = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * `flotilla_member_circuit_breaker_state{cluster}` (0 closed, 1 half-open, 2 open) and
 * `flotilla_member_circuit_breaker_opened_total{cluster}`: the circuit breakers in front of the
 * federation's member clients. The depth of each member's execution queue is the
 * `workqueue_depth{name="member-execution/<cluster>"}` series of the workqueue metrics.
 */
export class MemberClientMetrics {
  private readonly state: Gauge<'cluster'>;
  private readonly opened: Counter<'cluster'>;

  constructor(registry: Registry | undefined) {
    this.state = gauge(registry, {
      name: 'flotilla_member_circuit_breaker_state',
      help: "State of the circuit breaker of a member cluster's client: 0 closed, 1 half-open, 2 open.",
      labelNames: ['cluster'],
    });
    this.opened = counter(registry, {
      name: 'flotilla_member_circuit_breaker_opened_total',
      help: "Times the circuit breaker of a member cluster's client opened.",
      labelNames: ['cluster'],
    });
  }

  /** The breaker of `cluster` is now in `state`. */
  breaker(cluster: string, state: keyof typeof STATES): void {
    this.state.set({ cluster }, STATES[state]);
    if (state === 'open') this.opened.inc({ cluster });
  }

  /** The cluster is gone: its series too. */
  forget(cluster: string): void {
    this.state.remove({ cluster });
    this.opened.remove({ cluster });
  }
}
