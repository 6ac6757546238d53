import type { KubeClient } from '../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../machinery/controller/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import {
  PROMOTION_REQUESTS,
  REPLICATION_POLICIES,
  type PromotionRequest,
  type ReplicationPolicy,
} from '../apis/registry-types.js';
import type { Replicator } from '../jobs/replicator.js';
import { updatePromotionStatus } from '../jobs/status-writer.js';
import { policyForRequest } from './policy-match.js';

export const ControllerName = 'promotion-controller';

/**
 * Moves PromotionRequests along: new → Pending (approval needed) / Approved (policy without
 * approval) / Rejected (no policy allows it); Approved → copy job queued, Copying. The replicator
 * writes Succeeded/Failed.
 */
export class PromotionController {
  readonly controller: Controller;
  private readonly informers: InformerFactory;
  private readonly client: KubeClient;
  private readonly replicator: Replicator;

  constructor(opts: { client: KubeClient; replicator: Replicator; logger: Logger }) {
    this.client = opts.client;
    this.replicator = opts.replicator;
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

  async run(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    await this.controller.run(signal);
    await this.informers.stopped();
  }

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
      await this.replicator.enqueue(pr);
      await updatePromotionStatus(this.client, name, (s) => {
        if (s.phase === 'Approved') s.phase = 'Copying';
      });
    }
  }
}
