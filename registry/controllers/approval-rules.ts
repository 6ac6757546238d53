import type { AuthorizationAttributes } from '../../machinery/auth/authorizer.js';
import type { UserInfo } from '../../machinery/auth/user-info.js';
import type { PromotionRequest, ReplicationPolicy } from '../apis/registry-types.js';

type Approval = NonNullable<NonNullable<PromotionRequest['status']>['approvals']>[number];

/**
 * What approving asks of the API server's authorizer: verb `approve` on
 * `promotionrequests/approval` in `registry.flotilla.io`. Who holds it is decided by RBAC
 * (cluster roles bound by an admin), never by an object the requester can write.
 */
export function approvalAttributes(user: UserInfo, name: string): AuthorizationAttributes {
  return {
    user,
    verb: 'approve',
    resourceRequest: true,
    apiGroup: 'registry.flotilla.io',
    apiVersion: 'v1alpha1',
    resource: 'promotionrequests',
    subresource: 'approval',
    namespace: '',
    name,
    path: `/apis/registry.flotilla.io/v1alpha1/promotionrequests/${name}/approval`,
  };
}

/**
 * The role under which `user` may decide on requests of `policy`, or undefined when the policy
 * lists approvers and `user` holds none of them (with `role`, that one). A policy without
 * approvers leaves the decision to authorization alone: it can narrow who approves, never widen.
 */
export function approverRole(
  policy: ReplicationPolicy,
  user: string,
  role?: string,
): string | undefined {
  const approvers = policy.spec.approvers ?? [];
  if (approvers.length === 0) return role ?? 'approver';
  const held = approvers.filter((a) => a.users.includes(user)).map((a) => a.role);
  if (role !== undefined) return held.includes(role) ? role : undefined;
  return held[0];
}

/**
 * The approval that lets `pr` be copied under `policy`: the last decision must be an approval,
 * made by someone other than the requester who holds an approver role of the policy. Undefined
 * when there is none (a forged or stale copy job must then copy nothing).
 */
export function effectiveApproval(
  pr: PromotionRequest,
  policy: ReplicationPolicy,
): Approval | undefined {
  const last = (pr.status?.approvals ?? []).at(-1);
  if (last?.decision !== 'approve') return undefined;
  if (last.user === pr.spec.requester) return undefined;
  if (approverRole(policy, last.user, last.role) === undefined) return undefined;
  return last;
}
