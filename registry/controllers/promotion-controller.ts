import type { KubeClient } from '../../machinery/client/kube-client.js';
import { Controller, type Logger, type RequeueAfter } from '../../machinery/controller/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import {
  PROMOTION_REQUESTS,
  REPLICATION_POLICIES,
  type PromotionRequest,
  type ReplicationPolicy,
} from '../apis/registry-types.js';
import type { CopyQueue } from '../jobs/copy-queue.js';
import { updatePromotionStatus } from '../jobs/status-writer.js';
import { policyForRequest } from './policy-match.js';

export const ControllerName = 'promotion-controller';

/** How often a Copying request's job is looked at when nothing else happens. */
export const DEFAULT_CHECK_COPY_INTERVAL_MS = 10_000;

/** Options for {@link PromotionController}. */
export interface PromotionControllerOptions {
  client: KubeClient;
  copies: CopyQueue;
  logger: Logger;
  /**
   * How often the job of a Copying request is checked although the request did not change: a
   * job still waiting for a worker when redis restarted empty is gone, and no worker will write
   * that request again. @defaultValue {@link DEFAULT_CHECK_COPY_INTERVAL_MS}
   */
  checkCopyIntervalMs?: number;
}

/**
 * Moves PromotionRequests along: new → Pending (approval needed) / Approved (policy without
 * approval) / Rejected (no policy allows it); Approved → copy job queued, Copying. The promotion
 * workers write progress and Succeeded/Failed; for a Copying request the controller also watches
 * its job: a job that failed without the worker saying so (it stalled too often: its workers died)
 * fails the request, and a job the queue lost (redis restarted) is queued again. That check runs
 * on every change of the request and every `checkCopyIntervalMs` while it is Copying: a job lost
 * while it waited for a worker changes nothing the informers would see.
 */
export class PromotionController {
  readonly controller: Controller;
  private readonly informers: InformerFactory;
  private readonly client: KubeClient;
  private readonly copies: CopyQueue;
  private readonly checkCopyIntervalMs: number;

  constructor(opts: PromotionControllerOptions) {
    this.client = opts.client;
    this.copies = opts.copies;
    this.checkCopyIntervalMs = opts.checkCopyIntervalMs ?? DEFAULT_CHECK_COPY_INTERVAL_MS;
    this.informers = new InformerFactory(opts.client);
    const prs = this.informers.for<PromotionRequest>(PROMOTION_REQUESTS);
    const pols = this.informers.for<ReplicationPolicy>(REPLICATION_POLICIES);
    this.controller = new Controller({
      name: ControllerName,
      informers: [prs, pols],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
    });
    prs.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
  }

  /** Reconciles the request whose copy job has this id (the request's uid), e.g. after it failed. */
  enqueueJob(jobId: string): void {
    const pr = this.informers
      .for<PromotionRequest>(PROMOTION_REQUESTS)
      .list()
      .find((p) => p.metadata.uid === jobId || p.metadata.name === jobId);
    if (pr) this.controller.enqueueObject(pr);
  }

  /** Runs the informers and the reconcile loop until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    await this.controller.run(signal);
    await this.informers.stopped();
  }

  /** Reconciles one request (level-triggered: reads the cache and the queue, then converges). */
  async reconcile(name: string): Promise<RequeueAfter | undefined> {
    const pr = this.informers.for<PromotionRequest>(PROMOTION_REQUESTS).get(name);
    if (!pr) return;
    const phase = pr.status?.phase;
    if (phase === undefined) {
      const policy = policyForRequest(
        this.informers.for<ReplicationPolicy>(REPLICATION_POLICIES).list(),
        pr,
      );
      await updatePromotionStatus(this.client, name, (s) => {
        if (s.phase !== undefined) return;
        if (!policy) {
          s.phase = 'Rejected';
          s.message = `no ReplicationPolicy allows ${pr.spec.image.repository} from ${pr.spec.from} to ${pr.spec.to}`;
        } else {
          s.phase = policy.spec.requiresApproval ? 'Pending' : 'Approved';
          s.message = policy.spec.requiresApproval
            ? `waiting for approval by ${(policy.spec.approvers ?? []).map((a) => a.role).join(' or ')}`
            : 'approved by policy';
        }
      });
      return;
    }
    if (phase === 'Approved') {
      await this.copies.enqueue(pr);
      await updatePromotionStatus(this.client, name, (s) => {
        if (s.phase === 'Approved') s.phase = 'Copying';
      });
      return;
    }
    if (phase === 'Copying') return this.checkCopy(pr);
    return undefined;
  }

  /** Requeues a lost job, fails the request of a failed one, else looks again later. */
  private async checkCopy(pr: PromotionRequest): Promise<RequeueAfter | undefined> {
    const name = pr.metadata.name ?? '';
    const job = await this.copies.state(pr);
    if (job.state === 'failed') {
      await updatePromotionStatus(this.client, name, (s) => {
        if (s.phase !== 'Copying') return;
        s.phase = 'Failed';
        s.message = `copy job failed: ${job.failedReason ?? 'unknown reason'}`;
      });
      return undefined;
    }
    if (job.state === 'missing') await this.copies.enqueue(pr);
    // a Copying request ends when a worker writes Succeeded or Failed (an update ends this loop:
    // the next reconcile sees another phase), or when its job fails, which is checked here
    return { requeueAfterMs: this.checkCopyIntervalMs };
  }
}
