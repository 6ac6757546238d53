import { BadRequestError } from '../errors/index.js';
import { noopWorkqueueMetrics, type WorkqueueMetricsProvider } from '../workqueue/metrics.js';

/**
 * Starts one controller; resolves when it stops. Returns false when the controller chose not to
 * run. `metrics` is the manager's provider, to pass on to `Controller.run`.
 */
export type ControllerStarter = (
  signal: AbortSignal,
  metrics: WorkqueueMetricsProvider,
) => Promise<boolean | void>;

/** Parses `--controllers=*,-foo,bar` against the known names (STYLE §3). */
export function enabledControllers(spec: string, known: string[]): string[] {
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = parts
    .map((p) => p.replace(/^-/, ''))
    .filter((p) => p !== '*' && !known.includes(p));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `unknown controllers: ${unknown.join(', ')} (known: ${known.join(', ')})`,
    );
  }
  const star = parts.includes('*');
  return known.filter((name) => {
    if (parts.includes(`-${name}`)) return false;
    return star || parts.includes(name);
  });
}

/** Options for {@link ControllerManager}. */
export interface ControllerManagerOptions {
  /** Where the controllers' queues report (the server's /metrics). @defaultValue no-op */
  metrics?: WorkqueueMetricsProvider;
}

/** Runs a named set of controllers until the signal aborts. */
export class ControllerManager {
  private readonly starters = new Map<string, ControllerStarter>();
  private readonly metrics: WorkqueueMetricsProvider;

  constructor(opts: ControllerManagerOptions = {}) {
    this.metrics = opts.metrics ?? noopWorkqueueMetrics;
  }

  register(name: string, start: ControllerStarter): void {
    this.starters.set(name, start);
  }

  get names(): string[] {
    return [...this.starters.keys()];
  }

  /** Starts the controllers enabled by `spec` (default `*`) and waits for all of them. */
  async run(signal: AbortSignal, spec = '*'): Promise<void> {
    const names = enabledControllers(spec, this.names);
    await Promise.all(
      names.map((n) => this.starters.get(n)?.(signal, this.metrics) ?? Promise.resolve()),
    );
  }
}
