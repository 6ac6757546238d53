import type { KubeClient } from '../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../machinery/controller/index.js';
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

/**
 * Moves PromotionRequests along: new → Pending (approval needed) / Approved (policy without
 * approval) / Rejected (no policy allows it); Approved → copy job queued, Copying. The promotion
 * workers write progress and Succeeded/Failed; for a Copying request the controller also watches
 * its job: a job that failed without the worker saying so (it stalled too often: its workers died)
 * fails the request, and a job the queue lost (redis restarted) is queued again.
 */
export class PromotionController {
  readonly controller: Controller;
  private readonly informers: InformerFactory;
  private readonly client: KubeClient;
  private readonly copies: CopyQueue;

  constructor(opts: { client: KubeClient; copies: CopyQueue; logger: Logger }) {
    this.client = opts.client;
    this.copies = opts.copies;
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
  async reconcile(name: string): Promise<void> {
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
    if (phase === 'Copying') await this.checkCopy(pr);
  }

  private async checkCopy(pr: PromotionRequest): Promise<void> {
    const name = pr.metadata.name ?? '';
    const job = await this.copies.state(pr);
    if (job.state === 'missing') {
      await this.copies.enqueue(pr);
    } else if (job.state === 'failed') {
      await updatePromotionStatus(this.client, name, (s) => {
        if (s.phase !== 'Copying') return;
        s.phase = 'Failed';
        s.message = `copy job failed: ${job.failedReason ?? 'unknown reason'}`;
      });
    }
  }
}
