import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import { aborted } from '../../machinery/cmd/run-command.js';
import { defaultLogger } from '../../machinery/log/default-logger.js';

/** How long a stopping worker may take before it is killed. */
const STOP_GRACE_MS = 5_000;
/** Restart back-off of a crashed worker: doubles from 200 ms up to 10 s. */
const RESTART_MIN_MS = 200;
const RESTART_MAX_MS = 10_000;

/**
 * The primary process of a DNS server started with `--workers N` (resolver or cluster DNS): forks N
 * workers (each serves the same port with SO_REUSEPORT and keeps its own cache), restarts a crashed worker with back-off, and on `signal` stops them
 * all (SIGTERM, then SIGKILL after a grace period). Resolves once every worker has exited.
 */
export async function superviseWorkers(
  name: string,
  count: number,
  signal: AbortSignal,
): Promise<void> {
  const workers = new Set<Worker>();
  let backoff = RESTART_MIN_MS;
  const fork = (): void => {
    const w = cluster.fork();
    workers.add(w);
    w.once('online', () => {
      backoff = RESTART_MIN_MS;
    });
    w.once('exit', (code, sig) => {
      workers.delete(w);
      if (signal.aborted) return;
      defaultLogger().warn(`${name}: worker exited; restarting`, {
        pid: w.process.pid,
        exit: sig ?? code,
        backoffMs: backoff,
      });
      setTimeout(fork, backoff).unref();
      backoff = Math.min(backoff * 2, RESTART_MAX_MS);
    });
  };
  for (let i = 0; i < count; i++) fork();
  await aborted(signal);
  await Promise.all(
    [...workers].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) {
            resolve();
            return;
          }
          const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
          w.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          w.process.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * A worker's registry, answering the primary's AggregatorRegistry (`clusterMetrics()`, which sums
 * the workers' counters) over the cluster IPC channel. Call it once per worker process.
 */
export function workerMetricsRegistry(): AggregatorRegistry<PrometheusContentType> {
  // constructing an AggregatorRegistry in a worker installs prom-client's IPC listener
  const registry = new AggregatorRegistry<PrometheusContentType>();
  AggregatorRegistry.setRegistries([registry]);
  return registry;
}

/** True in a process forked by {@link superviseWorkers}. */
export function isDnsWorker(): boolean {
  return cluster.isWorker;
}
