import { performance } from 'node:perf_hooks';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Registry as PromRegistry } from 'prom-client';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { PromotionMetrics } from '../../machinery/metrics/promotion-metrics.js';
import type { Registry } from '../apis/registry-types.js';
import {
  ociClientForRegistry,
  registryCa,
  type RegistryCredentials,
} from '../credentials/registry-clients.js';
import {
  describeCopyError,
  isPermanentCopyError,
  type CopySides,
} from '../errors/classify-copy-error.js';
import { PromotionRefusedError } from '../errors/promotion-refused-error.js';
import { copyImage, type CopyProgress } from '../oci/copy-image.js';
import { OciClient } from '../oci/oci-client.js';
import { checkCopyAllowed, registryEndpoint } from './copy-guard.js';
import { copyRetryPolicy } from './copy-retry-policy.js';
import {
  COPY_QUEUE_NAME,
  redisConnection,
  type CopyJob,
  type RedisEndpoint,
} from './copy-queue.js';
import { updatePromotionStatus } from './status-writer.js';

/** User agent of the replicator's pushes; notifications carrying it are ignored (no two-way loops). */
export const REPLICATOR_USER_AGENT = 'flotilla-replicator/1.0';

/** Options for {@link Replicator}. */
export interface ReplicatorOptions {
  /** The queue's redis; `password` when it runs with `requirepass`. */
  redis: RedisEndpoint;
  /** Federation API client (PromotionRequests, Registries). */
  client: KubeClient;
  /**
   * The worker's own registry identity (the set-up's token-auth registries grant push to prod to
   * it only), presented only to the registries in `registries` (URLs, read at copy time) that
   * have no `credentialsSecretRef`: a Registry object pointing elsewhere never sees it.
   */
  credentials?: RegistryCredentials & { registries: readonly string[] };
  /** @defaultValue {@link COPY_QUEUE_NAME} */
  queueName?: string;
  /** Copies this worker runs at once. @defaultValue 4 */
  concurrency?: number;
  /**
   * How long a taken job stays locked without renewal (bullmq `lockDuration`); also the stalled
   * check interval. A worker that dies holding a job (kill -9) loses it to another worker within
   * about twice this time. @defaultValue 30000
   */
  lockDurationMs?: number;
  /** Called when this worker takes a job and when it finishes one (for logs). */
  onJob?: (event: 'active' | 'completed' | 'failed', request: string, detail?: string) => void;
  /**
   * Called with the queue's own errors (redis unreachable, a job's lock lost when redis restarted
   * empty): ioredis and bullmq recover from them, but they are worth a log line.
   */
  onQueueError?: (err: Error) => void;
  /**
   * Attempts per copy inside one job (cockatiel), with exponential backoff that honours
   * `Retry-After`. Only retryable failures (5xx, 429, network) are retried; a permanent one
   * (`classifyCopyError`) fails the request at once. @defaultValue 6, 200 ms
   */
  attempts?: number;
  backoffMs?: number;
  /** Where the `flotilla_promotion_copy*` series go (the worker's /metrics). @defaultValue none */
  metricsRegistry?: PromRegistry | undefined;
}

/**
 * The consumer side of the copy queue (a promotion worker): takes copy jobs from bullmq (each job
 * is taken by one worker of all those sharing the redis; a job whose worker died is moved back by
 * bullmq's stalled-job check), copies digest-preserving with a cockatiel retry + a circuit breaker
 * per registry host, and mirrors progress and the outcome into the request's status.
 */
export class Replicator {
  readonly worker: Worker<CopyJob>;
  private readonly opts: ReplicatorOptions;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly metrics: PromotionMetrics;

  constructor(opts: ReplicatorOptions) {
    this.opts = opts;
    this.metrics = new PromotionMetrics(opts.metricsRegistry);
    const lock = opts.lockDurationMs ?? 30_000;
    this.worker = new Worker<CopyJob>(
      opts.queueName ?? COPY_QUEUE_NAME,
      (job) => this.process(job),
      {
        connection: redisConnection(opts.redis),
        concurrency: opts.concurrency ?? 4,
        lockDuration: lock,
        stalledInterval: lock,
      },
    );
    // connection errors are retried by ioredis; an unhandled 'error' event would end the process
    this.worker.on('error', (err) => {
      opts.onQueueError?.(err);
    });
    const onJob = opts.onJob;
    if (onJob) {
      this.worker.on('active', (job) => {
        onJob('active', job.data.request);
      });
      this.worker.on('completed', (job) => {
        onJob('completed', job.data.request);
      });
      this.worker.on('failed', (job, err) => {
        onJob('failed', job?.data.request ?? '', err.message);
      });
    }
  }

  private breaker(host: string): CircuitBreakerPolicy {
    let b = this.breakers.get(host);
    if (!b) {
      b = circuitBreaker(
        handleWhen((e) => !isPermanentCopyError(e)),
        { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(5) },
      );
      this.breakers.set(host, b);
    }
    return b;
  }

  /** A client for a Registry read from the API, with the credentials of its Secret or the worker's. */
  private async registry(r: Registry): Promise<OciClient> {
    const own = this.opts.credentials;
    if (!r.spec.credentialsSecretRef && own) {
      const endpoint = await registryEndpoint(r.spec.url);
      const known = await Promise.all(own.registries.map((u) => registryEndpoint(u)));
      if (known.includes(endpoint)) {
        const { username, password, token } = own;
        const ca = await registryCa(this.opts.client, r);
        return new OciClient({
          url: r.spec.url,
          ...(ca ? { ca } : {}),
          userAgent: REPLICATOR_USER_AGENT,
          ...(username !== undefined ? { username } : {}),
          ...(password !== undefined ? { password } : {}),
          ...(token !== undefined ? { token } : {}),
        });
      }
    }
    return ociClientForRegistry(this.opts.client, r, { userAgent: REPLICATOR_USER_AGENT });
  }

  private async process(job: Job<CopyJob>): Promise<CopyProgress> {
    const name = job.data.request;
    let last = 0;
    let attempts = 0;
    const start = performance.now();
    const seconds = (): number => (performance.now() - start) / 1000;
    // which registry a failed request went to, for the status message (known once both are read)
    let sides: CopySides = { source: '', target: '' };
    try {
      // nothing in the job is trusted: the request, its approval, its policy and both registries
      // are read again from the API right before the copy
      const allowed = await checkCopyAllowed(this.opts.client, name);
      const pr = allowed.pr;
      const src = await this.registry(allowed.src);
      const dst = await this.registry(allowed.dst);
      sides = { source: src.url, target: dst.url };
      const retrying = copyRetryPolicy({
        ...(this.opts.attempts !== undefined ? { attempts: this.opts.attempts } : {}),
        ...(this.opts.backoffMs !== undefined ? { backoffMs: this.opts.backoffMs } : {}),
      });
      // record every retry, so a copy stuck on an unreachable registry shows why
      const onRetry = retrying.onRetry((ev) => {
        void updatePromotionStatus(this.opts.client, name, (s) => {
          s.attempts = attempts;
          s.message = `retrying: ${'error' in ev ? describeCopyError(ev.error, sides) : 'no result'}`;
        }).catch(() => undefined);
      });
      const policy = wrap(retrying, this.breaker(dst.host));
      const result = await policy
        .execute(() => {
          attempts++;
          return copyImage(src, dst, pr.spec.image.repository, pr.spec.image.digest, {
            ...(pr.spec.image.tag ? { tag: pr.spec.image.tag } : {}),
            onProgress: (p) => {
              // progress is informative: a lost redis write must not fail (or crash) the copy
              job.updateProgress({ ...p }).catch(() => undefined);
              if (Date.now() - last > 300) {
                last = Date.now();
                void updatePromotionStatus(this.opts.client, name, (s) => {
                  s.progress = p;
                  s.attempts = attempts;
                }).catch(() => undefined);
              }
            },
          });
        })
        .finally(() => {
          onRetry.dispose();
        });
      await updatePromotionStatus(this.opts.client, name, (s) => {
        s.phase = 'Succeeded';
        s.progress = result;
        s.attempts = attempts;
        s.message = `copied ${pr.spec.image.repository}@${pr.spec.image.digest} to ${pr.spec.to}`;
      });
      this.metrics.copied('success', seconds(), result.bytesDone);
      return result;
    } catch (err) {
      if (err instanceof PromotionRefusedError && err.keepsPhase) {
        // a request that is not Approved keeps its phase: only the job fails
        await updatePromotionStatus(this.opts.client, name, (s) => {
          s.message = err.message;
        }).catch(() => undefined);
        throw new UnrecoverableError(err.message);
      }
      this.metrics.copied('failure', seconds());
      const permanent = isPermanentCopyError(err);
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const message = describeCopyError(err, sides);
      await updatePromotionStatus(this.opts.client, name, (s) => {
        if (final) s.phase = 'Failed';
        s.attempts = attempts;
        s.message = message;
      }).catch(() => undefined);
      // bullmq would retry the job: nothing changes between attempts for a permanent failure
      if (permanent) throw new UnrecoverableError(message);
      throw err;
    }
  }

  /**
   * Stops taking jobs and waits for the copies in flight, at most `timeoutMs`: resolves `false`
   * when copies were still running then. Their jobs stay locked until the process exits; the
   * locks lapse and bullmq's stalled-job check of another worker puts the jobs back in the queue
   * (a copy is idempotent, so redoing one is safe).
   */
  async close(timeoutMs = Infinity): Promise<boolean> {
    const graceful = this.worker.close().then(() => true);
    if (timeoutMs === Infinity) return graceful;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([graceful, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
