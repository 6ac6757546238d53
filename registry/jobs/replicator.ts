import { Queue, Worker, type Job } from 'bullmq';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { KubeClient } from '../../federation/machinery/client/kube-client.js';
import {
  PROMOTION_REQUESTS,
  REGISTRIES,
  type PromotionRequest,
  type Registry,
} from '../apis/registry-types.js';
import { copyImage, type CopyProgress } from '../oci/copy-image.js';
import { OciClient } from '../oci/oci-client.js';
import { updatePromotionStatus } from './status-writer.js';

/** User agent of the replicator's pushes; notifications carrying it are ignored (no two-way loops). */
export const REPLICATOR_USER_AGENT = 'flotilla-replicator/1.0';

/** Options for {@link Replicator}. */
export interface ReplicatorOptions {
  redis: { host: string; port: number };
  /** Federation API client (PromotionRequests, Registries). */
  client: KubeClient;
  queueName?: string;
  concurrency?: number;
  /** Attempts per copy inside one job (cockatiel), with exponential backoff. @defaultValue 6, 200 ms */
  attempts?: number;
  backoffMs?: number;
}

interface CopyJob {
  request: string;
}

/**
 * Copy jobs on bullmq (real Redis): one job per PromotionRequest (job id = request uid, so a
 * request is copied once), processed with a cockatiel retry + a circuit breaker per registry host,
 * with progress mirrored into the request's status.
 */
export class Replicator {
  readonly queue: Queue<CopyJob>;
  private readonly worker: Worker<CopyJob>;
  private readonly opts: ReplicatorOptions;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(opts: ReplicatorOptions) {
    this.opts = opts;
    const name = opts.queueName ?? 'flotilla-replication';
    const connection = { host: opts.redis.host, port: opts.redis.port, maxRetriesPerRequest: null };
    this.queue = new Queue<CopyJob>(name, { connection });
    this.worker = new Worker<CopyJob>(name, (job) => this.process(job), {
      connection,
      concurrency: opts.concurrency ?? 4,
    });
    this.worker.on('error', () => undefined);
  }

  /** Queues the copy for a request (idempotent per request). */
  async enqueue(pr: PromotionRequest): Promise<void> {
    await this.queue.add(
      'copy',
      { request: pr.metadata.name ?? '' },
      {
        jobId: pr.metadata.uid ?? pr.metadata.name ?? '',
        removeOnComplete: 1000,
        removeOnFail: 1000,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
      },
    );
  }

  private breaker(host: string): CircuitBreakerPolicy {
    let b = this.breakers.get(host);
    if (!b) {
      b = circuitBreaker(handleAll, { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(5) });
      this.breakers.set(host, b);
    }
    return b;
  }

  private async registry(name: string): Promise<OciClient> {
    const r = await this.opts.client.resource<Registry>(REGISTRIES).get(name);
    return new OciClient({ url: r.spec.url, userAgent: REPLICATOR_USER_AGENT });
  }

  private async process(job: Job<CopyJob>): Promise<CopyProgress> {
    const name = job.data.request;
    const pr = await this.opts.client.resource<PromotionRequest>(PROMOTION_REQUESTS).get(name);
    const src = await this.registry(pr.spec.from);
    const dst = await this.registry(pr.spec.to);
    let last = 0;
    const policy = wrap(
      retry(handleAll, {
        maxAttempts: this.opts.attempts ?? 6,
        backoff: new ExponentialBackoff({
          initialDelay: this.opts.backoffMs ?? 200,
          maxDelay: 5000,
        }),
      }),
      this.breaker(dst.host),
    );
    let attempts = 0;
    try {
      const result = await policy.execute(() => {
        attempts++;
        return copyImage(src, dst, pr.spec.image.repository, pr.spec.image.digest, {
          ...(pr.spec.image.tag ? { tag: pr.spec.image.tag } : {}),
          onProgress: (p) => {
            void job.updateProgress({ ...p });
            if (Date.now() - last > 300) {
              last = Date.now();
              void updatePromotionStatus(this.opts.client, name, (s) => {
                s.progress = p;
                s.attempts = attempts;
              }).catch(() => undefined);
            }
          },
        });
      });
      await updatePromotionStatus(this.opts.client, name, (s) => {
        s.phase = 'Succeeded';
        s.progress = result;
        s.attempts = attempts;
        s.message = `copied ${pr.spec.image.repository}@${pr.spec.image.digest} to ${pr.spec.to}`;
      });
      return result;
    } catch (err) {
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await updatePromotionStatus(this.opts.client, name, (s) => {
        if (final) s.phase = 'Failed';
        s.attempts = attempts;
        s.message = err instanceof Error ? err.message : String(err);
      }).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}
