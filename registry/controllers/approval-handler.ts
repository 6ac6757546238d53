import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import { forbiddenMessage } from '../../machinery/auth/authorizer.js';
import { BadRequestError, ConflictError, ForbiddenError } from '../../machinery/errors/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import {
  replicationPolicyType,
  type PromotionRequest,
  type ReplicationPolicy,
} from '../apis/registry-types.js';
import { approvalAttributes, approverRole } from './approval-rules.js';
import { policyForRequest } from './policy-match.js';

/**
 * `POST promotionrequests/<name>/approval` with `{decision: approve|reject, role?}`. The approver
 * is the authenticated user, who must be allowed verb `approve` on `promotionrequests/approval` by
 * the server's authorizer (403), must not be the requester (403, the two-person rule), and, when
 * the matching ReplicationPolicy lists approvers, must hold one of its roles (403: a policy
 * narrows, never widens). Only Pending requests can be decided (409). Register on the federation
 * ApiServer.
 */
export const approvalHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'POST') throw new BadRequestError('approval only supports POST');
  const body = (req.body ?? {}) as { decision?: string; role?: unknown };
  if (body.decision !== 'approve' && body.decision !== 'reject') {
    throw new BadRequestError('decision must be "approve" or "reject"');
  }
  if (body.role !== undefined && typeof body.role !== 'string') {
    throw new BadRequestError('role must be a string');
  }
  const decision = body.decision;
  const asked = body.role;
  // rejecting is a decision too: a user who may not approve may not reject either
  const attrs = approvalAttributes(req.userInfo, req.name);
  const allowed = await req.authorize(attrs);
  if (!allowed.allowed) {
    throw new ForbiddenError(forbiddenMessage(attrs, allowed.reason), { name: req.name });
  }
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
      const policy = policyForRequest(policies, pr);
      const role = policy ? approverRole(policy, req.user, asked) : undefined;
      if (!policy || role === undefined) {
        throw new ForbiddenError(
          `user "${req.user}" does not hold ${asked ? `approver role "${asked}"` : 'an approver role'} for ${pr.spec.from} → ${pr.spec.to}`,
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
