import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { type PromotionRequest, type Registry } from '../apis/registry-types.js';
import {
  ociClientForRegistry,
  registryCa,
  type RegistryCredentials,
} from '../credentials/registry-clients.js';
import { PromotionRefusedError } from '../errors/promotion-refused-error.js';
import { RegistryCredentialsError } from '../errors/registry-credentials-error.js';
import { RegistryHttpError } from '../errors/registry-http-error.js';
import { copyImage, type CopyProgress } from '../oci/copy-image.js';
import { OciClient } from '../oci/oci-client.js';
import { checkCopyAllowed, registryEndpoint } from './copy-guard.js';
import { updatePromotionStatus } from './status-writer.js';

/** User agent of the replicator's pushes; notifications carrying it are ignored (no two-way loops). */
export const REPLICATOR_USER_AGENT = 'flotilla-replicator/1.0';

/** Options for {@link Replicator}. */
export interface ReplicatorOptions {
  /** The queue's redis; `password` when it runs with `requirepass`. */
  redis: { host: string; port: number; password?: string };
  /** Federation API client (PromotionRequests, Registries). */
  client: KubeClient;
  /**
   * The worker's own registry identity (the set-up's token-auth registries grant push to prod to
   * it only), presented only to the registries in `registries` (URLs, read at copy time) that
   * have no `credentialsSecretRef`: a Registry object pointing elsewhere never sees it.
   */
  credentials?: RegistryCredentials & { registries: readonly string[] };
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
 * Errors that another attempt cannot fix: the registry refused our credentials (401/403) or the
 * credentials Secret is unusable. These fail the request at once with a message naming the cause.
 */
function isPermanent(err: unknown): boolean {
  return (
    err instanceof RegistryCredentialsError ||
    err instanceof PromotionRefusedError ||
    (err instanceof RegistryHttpError && (err.status === 401 || err.status === 403))
  );
}

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof RegistryHttpError && (err.status === 401 || err.status === 403)) {
    return `registry refused access (HTTP ${String(err.status)}); check the Registry's spec.credentialsSecretRef: ${msg}`;
  }
  return msg;
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
    const connection = {
      host: opts.redis.host,
      port: opts.redis.port,
      ...(opts.redis.password !== undefined ? { password: opts.redis.password } : {}),
      maxRetriesPerRequest: null,
    };
    this.queue = new Queue<CopyJob>(name, { connection });
    this.worker = new Worker<CopyJob>(name, (job) => this.process(job), {
      connection,
      concurrency: opts.concurrency ?? 4,
    });
    this.worker.on('error', () => undefined);
  }

  /** Queues the copy for a request (idempotent per request). */
  async enqueue(pr: PromotionRequest): Promise<void> {
    const jobId = pr.metadata.uid ?? pr.metadata.name ?? '';
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

  private breaker(host: string): CircuitBreakerPolicy {
    let b = this.breakers.get(host);
    if (!b) {
      b = circuitBreaker(
        handleWhen((e) => !isPermanent(e)),
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
    try {
      // nothing in the job is trusted: the request, its approval, its policy and both registries
      // are read again from the API right before the copy
      const allowed = await checkCopyAllowed(this.opts.client, name);
      const pr = allowed.pr;
      const src = await this.registry(allowed.src);
      const dst = await this.registry(allowed.dst);
      const retrying = retry(
        handleWhen((e) => !isPermanent(e)),
        {
          maxAttempts: this.opts.attempts ?? 6,
          backoff: new ExponentialBackoff({
            initialDelay: this.opts.backoffMs ?? 200,
            maxDelay: 5000,
          }),
        },
      );
      // record every retry, so a copy stuck on an unreachable registry shows why
      const onRetry = retrying.onRetry((ev) => {
        void updatePromotionStatus(this.opts.client, name, (s) => {
          s.attempts = attempts;
          s.message = `retrying: ${'error' in ev ? describe(ev.error) : 'no result'}`;
        }).catch(() => undefined);
      });
      const policy = wrap(retrying, this.breaker(dst.host));
      const result = await policy
        .execute(() => {
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
      return result;
    } catch (err) {
      if (err instanceof PromotionRefusedError && err.keepsPhase) {
        // a request that is not Approved keeps its phase: only the job fails
        await updatePromotionStatus(this.opts.client, name, (s) => {
          s.message = err.message;
        }).catch(() => undefined);
        throw new UnrecoverableError(err.message);
      }
      const permanent = isPermanent(err);
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await updatePromotionStatus(this.opts.client, name, (s) => {
        if (final) s.phase = 'Failed';
        s.attempts = attempts;
        s.message = describe(err);
      }).catch(() => undefined);
      // bullmq would retry the job; nothing changes between attempts for a refused credential
      if (permanent) throw new UnrecoverableError(describe(err));
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}
