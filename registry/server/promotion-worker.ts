import type { Registry as PromRegistry } from 'prom-client';
import { RestClient, type RestClientOptions } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import type { RegistryCredentials } from '../credentials/registry-clients.js';
import type { RedisEndpoint } from '../jobs/copy-queue.js';
import { Replicator } from '../jobs/replicator.js';

/** Options for {@link runPromotionWorker}. */
export interface PromotionWorkerOptions {
  /**
   * The federation API as the worker's identity (the promotion service's role): it re-reads each
   * request, its policy and both Registries before a copy, reads credential Secrets, and writes
   * the request's progress and outcome.
   */
  federation: RestClientOptions;
  /** The copy queue's redis (`password` when it runs with `requirepass`). */
  redis: RedisEndpoint;
  /** @defaultValue `flotilla-replication` */
  queueName?: string;
  /** Copies at once. @defaultValue 4 */
  concurrency?: number;
  /** Attempts per copy inside one job (cockatiel). @defaultValue 6 */
  attempts?: number;
  /** First back-off between those attempts. @defaultValue 200 */
  backoffMs?: number;
  /** Job lock duration and stalled-check interval (see `ReplicatorOptions`). @defaultValue 30000 */
  lockDurationMs?: number;
  /**
   * The worker's own registry identity, presented only to the registries in `registries` (URLs)
   * whose Registry object names no `credentialsSecretRef`.
   */
  credentials?: RegistryCredentials & { registries: readonly string[] };
  /** How long `stop` waits for copies in flight. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
  /** Where the `flotilla_promotion_copy*` series go (the worker's /metrics). @defaultValue none */
  metricsRegistry?: PromRegistry | undefined;
  logger?: Logger;
}

/** A running promotion worker (see {@link runPromotionWorker}). */
export interface RunningPromotionWorker {
  replicator: Replicator;
  /**
   * Stops taking jobs and waits for the copies in flight (at most `shutdownTimeoutMs`); resolves
   * `false` when some were still running (their jobs go back to the queue once their locks lapse).
   */
  stop(): Promise<boolean>;
}

/**
 * Starts a promotion worker: a bullmq worker on the copy queue that performs digest-preserving
 * copies between environment registries with cockatiel retries, reporting progress into the
 * request's status. Run as many as needed against one redis: each job is taken by one worker,
 * and the job of a worker that died is taken again by another after its lock lapses.
 */
export function runPromotionWorker(opts: PromotionWorkerOptions): Promise<RunningPromotionWorker> {
  const log = opts.logger ?? consoleLogger('promotion-worker', true);
  const client = new RestClient({ userAgent: 'flotilla-promotion-worker', ...opts.federation });
  const replicator = new Replicator({
    client,
    redis: opts.redis,
    ...(opts.queueName !== undefined ? { queueName: opts.queueName } : {}),
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
    ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
    ...(opts.lockDurationMs !== undefined ? { lockDurationMs: opts.lockDurationMs } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    metricsRegistry: opts.metricsRegistry,
    onQueueError: (err) => {
      log.warn(`copy queue: ${err.message}`);
    },
    onJob: (event, request, detail) => {
      log.info(`copy ${request}: ${event}${detail !== undefined ? `: ${detail}` : ''}`);
    },
  });
  const stop = async (): Promise<boolean> => {
    const drained = await replicator.close(opts.shutdownTimeoutMs ?? 30_000);
    if (!drained) log.warn('copies still running at shutdown; their jobs return to the queue');
    client.close();
    return drained;
  };
  return Promise.resolve({ replicator, stop });
}
