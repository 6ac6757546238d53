/**
 * One listening address of the proxy (TCP or UDP): binding with retries, and the backends it
 * forwards to. All members of a local federation share this host's loopback, so a listen can find
 * its address taken: for a cluster-set IP that means another member's proxy serves it, so this one
 * stands by and retries every `retryMs` to take over when that proxy goes away; for any other
 * address it is logged and retried the same way.
 */
import type { Logger } from '../../machinery/log/logger.js';
import { LoadBalancer } from './load-balancer.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import type { FrontendSpec } from './service-table.js';

/** State of a frontend's listener. */
export type FrontendState = 'binding' | 'listening' | 'standby' | 'retrying' | 'closed';

/** Tuning shared by every frontend. */
export interface FrontendOptions {
  logger: Logger;
  metrics: ProxyMetrics;
  /** Between two listen attempts after a failure. @defaultValue 500 */
  retryMs: number;
  /** Backends tried per TCP connection before it is closed. @defaultValue 3 */
  connectAttempts: number;
  /** A TCP connect to a backend that takes longer fails (next backend). @defaultValue 3000 */
  connectTimeoutMs: number;
  /** A UDP session without traffic for this long is closed. @defaultValue 30000 */
  udpIdleTimeoutMs: number;
}

/** The listener of one frontend: bind (once per attempt) and close. */
export abstract class Frontend {
  spec: FrontendSpec;
  readonly lb = new LoadBalancer();
  protected readonly opts: FrontendOptions;
  private stateValue: FrontendState = 'binding';
  private timer: NodeJS.Timeout | undefined;
  private lastError = '';
  private affinityTimer: NodeJS.Timeout | undefined;

  constructor(spec: FrontendSpec, opts: FrontendOptions) {
    this.spec = spec;
    this.opts = opts;
    this.lb.update(spec.backends, spec.affinityMs);
    this.gauge(1);
  }

  /** The listener's state. */
  get state(): FrontendState {
    return this.stateValue;
  }

  /** Applies new backends and affinity at once (the listener stays). */
  update(spec: FrontendSpec): void {
    this.spec = spec;
    this.lb.update(spec.backends, spec.affinityMs);
  }

  /** Starts binding (retrying until bound or closed). */
  start(): void {
    this.attempt();
    // forget idle ClientIP affinities now and then
    this.affinityTimer = setInterval(() => {
      this.lb.expire();
    }, 60_000);
    this.affinityTimer.unref();
  }

  /** Stops listening and drops this frontend's connections and sessions. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState('closed');
    clearTimeout(this.timer);
    clearInterval(this.affinityTimer);
    await this.unbind();
  }

  /** One listen attempt: resolves when bound, rejects with the listen error. */
  protected abstract bind(): Promise<void>;
  /** Closes the listener and everything it carries. */
  protected abstract unbind(): Promise<void>;

  private attempt(): void {
    this.bind().then(
      () => {
        if (this.stateValue === 'closed') {
          void this.unbind();
          return;
        }
        const was = this.stateValue;
        this.setState('listening');
        this.lastError = '';
        const { protocol, ip, port, servicePort } = this.spec;
        const msg = `listening on ${protocol} ${ip}:${String(port)} for ${servicePort}`;
        const fields = { frontend: this.spec.key, servicePort };
        if (was === 'standby') this.opts.logger.info(`took over: ${msg}`, fields);
        else this.opts.logger.debug(msg, fields);
      },
      (err: unknown) => {
        if (this.stateValue === 'closed') return;
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        const inUse = code === 'EADDRINUSE';
        const standby = inUse && this.spec.kind === 'ClusterSetIP';
        // log once per distinct failure, not every retry
        if (code !== this.lastError) {
          this.lastError = code;
          const fields = { frontend: this.spec.key, servicePort: this.spec.servicePort, code };
          if (standby) {
            this.opts.logger.info(
              `standing by for ${this.spec.key}: another proxy serves the cluster-set IP`,
              fields,
            );
          } else {
            this.opts.logger.warn(`cannot listen on ${this.spec.key} (${code}); retrying`, fields);
          }
        }
        this.setState(standby ? 'standby' : 'retrying');
        this.timer = setTimeout(() => {
          this.attempt();
        }, this.opts.retryMs);
      },
    );
  }

  private setState(s: FrontendState): void {
    this.gauge(-1);
    this.stateValue = s;
    this.gauge(1);
  }

  private gauge(delta: number): void {
    if (this.stateValue === 'closed') return;
    this.opts.metrics.frontends.inc(
      { protocol: this.spec.protocol, kind: this.spec.kind, state: this.stateValue },
      delta,
    );
  }
}
