/**
 * Image-promotion roles, reconciled by a federation that serves the registry types:
 * - `promotion-requester`: create and read PromotionRequests, read Registries and
 *   ReplicationPolicies; no Secrets, no approval.
 * - `promotion-approver`: read PromotionRequests and decide on them through the `approval`
 *   subresource (`approve`, and the HTTP verb of the subresource: `create` for POST, `update`).
 * - `registry-admin`: everything on Registries and ReplicationPolicies (cluster role) plus the
 *   credential Secrets in {@link REGISTRY_CREDENTIALS_NAMESPACE} (role of the same name there).
 * - `system:flotilla:promotion`: the promotion service (notification receiver, token server,
 *   promotion controller) and the promotion workers, bound to the user `system:promotion`, able to
 *   read credentials and to ask SubjectAccessReviews (whether a registry login may push to a
 *   requesters' environment).
 */
import {
  clusterRole,
  clusterRoleBinding,
  role,
  roleBinding,
  userSubject,
  type BootstrapPolicy,
  type Subject,
} from '../../machinery/rbac/index.js';

/** Namespace of the registries' credential Secrets (`spec.credentialsSecretRef.namespace`). */
export const REGISTRY_CREDENTIALS_NAMESPACE = 'flotilla-registry';
/** User name of the PromotionService in the local set-up. */
export const PROMOTION_SERVICE_USER = 'system:promotion';
/** ClusterRole (and credentials Role) of the PromotionService. */
export const PROMOTION_SERVICE_ROLE = 'system:flotilla:promotion';

const GROUP = 'registry.flotilla.io';
const READ = ['get', 'list', 'watch'];
const ALL = [...READ, 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** The promotion roles; `serviceUsers` are bound to the PromotionService role. */
export function registryBootstrapPolicy(
  serviceUsers: readonly string[] = [PROMOTION_SERVICE_USER],
): BootstrapPolicy {
  const service: Subject[] = serviceUsers.map(userSubject);
  const credentials = { verbs: READ, apiGroups: [''], resources: ['secrets'] };
  return {
    clusterRoles: [
      clusterRole('promotion-requester', [
        { verbs: ['create', ...READ], apiGroups: [GROUP], resources: ['promotionrequests'] },
        { verbs: READ, apiGroups: [GROUP], resources: ['registries', 'replicationpolicies'] },
      ]),
      clusterRole('promotion-approver', [
        { verbs: READ, apiGroups: [GROUP], resources: ['promotionrequests'] },
        {
          verbs: ['approve', 'create', 'update'],
          apiGroups: [GROUP],
          resources: ['promotionrequests/approval'],
        },
      ]),
      clusterRole('registry-admin', [
        { verbs: ALL, apiGroups: [GROUP], resources: ['registries', 'replicationpolicies'] },
      ]),
      clusterRole(PROMOTION_SERVICE_ROLE, [
        { verbs: READ, apiGroups: [GROUP], resources: ['registries', 'replicationpolicies'] },
        {
          verbs: [...READ, 'create', 'update', 'patch'],
          apiGroups: [GROUP],
          resources: ['promotionrequests', 'promotionrequests/status'],
        },
        { verbs: ['create', 'patch', 'update'], apiGroups: [''], resources: ['events'] },
        {
          verbs: ['create'],
          apiGroups: ['authorization.k8s.io'],
          resources: ['subjectaccessreviews'],
        },
      ]),
    ],
    clusterRoleBindings: [
      clusterRoleBinding(PROMOTION_SERVICE_ROLE, PROMOTION_SERVICE_ROLE, service),
    ],
    roles: [
      role(REGISTRY_CREDENTIALS_NAMESPACE, 'registry-admin', [{ ...credentials, verbs: ALL }]),
      role(REGISTRY_CREDENTIALS_NAMESPACE, PROMOTION_SERVICE_ROLE, [credentials]),
    ],
    roleBindings: [
      roleBinding(
        REGISTRY_CREDENTIALS_NAMESPACE,
        PROMOTION_SERVICE_ROLE,
        { kind: 'Role', name: PROMOTION_SERVICE_ROLE },
        service,
      ),
    ],
  };
}
