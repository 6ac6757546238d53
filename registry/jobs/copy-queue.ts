import { Queue, type ConnectionOptions } from 'bullmq';
import type { PromotionRequest } from '../apis/registry-types.js';

/** Default name of the bullmq queue that carries copy jobs (one per PromotionRequest). */
export const COPY_QUEUE_NAME = 'flotilla-replication';

/** Where the copy queue lives: a redis `host:port`, with `password` when it runs with `requirepass`. */
export interface RedisEndpoint {
  host: string;
  port: number;
  password?: string;
}

/** The payload of a copy job: only the request's name (everything else is re-read from the API). */
export interface CopyJob {
  request: string;
}

/** bullmq connection options of `redis` (blocking commands need `maxRetriesPerRequest: null`). */
export function redisConnection(redis: RedisEndpoint): ConnectionOptions {
  return {
    host: redis.host,
    port: redis.port,
    ...(redis.password !== undefined ? { password: redis.password } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The job id of a request's copy: its uid, so each request is copied once. */
export function copyJobId(pr: PromotionRequest): string {
  return pr.metadata.uid ?? pr.metadata.name ?? '';
}

/** Options for {@link CopyQueue}. */
export interface CopyQueueOptions {
  redis: RedisEndpoint;
  /** @defaultValue {@link COPY_QUEUE_NAME} */
  queueName?: string;
}

/**
 * The producer side of the copy queue (the promotion service): one job per approved request,
 * taken by exactly one of the promotion workers sharing the redis.
 */
export class CopyQueue {
  readonly queue: Queue<CopyJob>;

  constructor(opts: CopyQueueOptions) {
    this.queue = new Queue<CopyJob>(opts.queueName ?? COPY_QUEUE_NAME, {
      connection: redisConnection(opts.redis),
    });
    // connection errors are retried by ioredis; an unhandled 'error' event would end the process
    this.queue.on('error', () => undefined);
  }

  /** Queues the copy for a request (idempotent per request). */
  async enqueue(pr: PromotionRequest): Promise<void> {
    const jobId = copyJobId(pr);
    // a job refused while the request was still Pending (put into the queue by someone else) keeps
    // the id; drop it, or the real copy after approval would be taken for a duplicate
    const stale = await this.queue.getJob(jobId);
    if (stale && (await stale.isFailed())) await stale.remove();
    await this.queue.add(
      'copy',
      { request: pr.metadata.name ?? '' },
      {
        jobId,
        removeOnComplete: 1000,
        removeOnFail: 1000,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
      },
    );
  }

  /**
   * The state of a request's copy job: `missing` when the queue holds none (never queued, removed,
   * or redis lost it), else bullmq's state, with the failure reason of a failed job.
   */
  async state(pr: PromotionRequest): Promise<{ state: string; failedReason?: string }> {
    const job = await this.queue.getJob(copyJobId(pr));
    if (!job) return { state: 'missing' };
    const state = await job.getState();
    return state === 'failed' ? { state, failedReason: job.failedReason } : { state };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
