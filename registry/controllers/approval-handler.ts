import type { SubresourceHandler } from '../../federation/machinery/apiserver/index.js';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
} from '../../federation/machinery/errors/index.js';
import type { ResourceType } from '../../federation/machinery/resource-type.js';
import {
  replicationPolicyType,
  type PromotionRequest,
  type ReplicationPolicy,
} from '../apis/registry-types.js';
import { findPolicy } from './policy-match.js';

/**
 * `POST promotionrequests/<name>/approval` with `{decision: approve|reject, role}`. The approver is
 * the authenticated user; the requester can never decide on their own request (403), the user must
 * hold an approver role of the matching ReplicationPolicy (403), and only Pending requests can be
 * decided (409). Register on the federation ApiServer.
 */
export const approvalHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw new BadRequestError('approval only supports POST');
  const body = (req.body ?? {}) as { decision?: string; role?: string };
  if (body.decision !== 'approve' && body.decision !== 'reject') {
    throw new BadRequestError('decision must be "approve" or "reject"');
  }
  if (!body.role) throw new BadRequestError('role is required');
  const decision = body.decision;
  const role = body.role;
  const policies = (
    await req.registry.list(replicationPolicyType as unknown as ResourceType, undefined)
  ).items as ReplicationPolicy[];
  const updated = await req.registry.guaranteedUpdate(
    req.rt,
    undefined,
    req.name,
    undefined,
    (cur) => {
      const pr = cur as PromotionRequest;
      if (pr.spec.requester === req.user) {
        throw new ForbiddenError(
          `user "${req.user}" requested promotion ${req.name} and cannot ${decision} it`,
          { name: req.name },
        );
      }
      const policy = findPolicy(
        policies,
        pr.spec.from,
        pr.spec.to,
        pr.spec.image.repository,
        pr.spec.image.tag,
      );
      const holders = policy?.spec.approvers?.find((a) => a.role === role)?.users ?? [];
      if (!holders.includes(req.user)) {
        throw new ForbiddenError(
          `user "${req.user}" does not hold approver role "${role}" for ${pr.spec.from} → ${pr.spec.to}`,
          { name: req.name },
        );
      }
      const phase = pr.status?.phase ?? 'Pending';
      if (phase !== 'Pending') {
        throw new ConflictError(`promotion ${req.name} is ${phase}, not Pending`, {
          name: req.name,
        });
      }
      pr.status = {
        ...(pr.status ?? {}),
        phase: decision === 'approve' ? 'Approved' : 'Rejected',
        approvals: [
          ...(pr.status?.approvals ?? []),
          { user: req.user, role, decision, time: new Date().toISOString() },
        ],
      };
      return pr;
    },
    { user: req.user, subresource: 'approval' },
  );
  return updated;
};
