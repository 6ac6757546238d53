/**
 * Grants roles to users on a running API server (local set-up, tests): one ClusterRoleBinding per
 * (role, users), then waits until the server's RBAC cache answers with the new grant, because the
 * authorizer reads a watched cache and a request sent right after the write could still be refused.
 */
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import {
  CLUSTER_ROLE_BINDINGS,
  clusterRoleBinding,
  ROLE_BINDINGS,
  roleBinding,
  userSubject,
  type PolicyRule,
} from '../../machinery/rbac/index.js';

const REVIEWS = { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' };

/** Binds the ClusterRole `role` to `users` cluster-wide (binding name `<role>:<users>`). */
export async function bindClusterRole(
  client: KubeClient,
  role: string,
  users: string[],
  name = `${role}:${users.join('+')}`,
): Promise<void> {
  await client
    .resource(CLUSTER_ROLE_BINDINGS)
    .create(clusterRoleBinding(name, role, users.map(userSubject)))
    .catch((err: unknown) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
}

/** Binds `roleRef` to `users` inside `namespace` only. */
export async function bindInNamespace(
  client: KubeClient,
  namespace: string,
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
  users: string[],
): Promise<void> {
  await client
    .resource(ROLE_BINDINGS, namespace)
    .create(
      roleBinding(namespace, `${roleRef.name}:${users.join('+')}`, roleRef, users.map(userSubject)),
    )
    .catch((err: unknown) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
}

/**
 * Polls SubjectAccessReview (as `client`, who must be allowed to create it) until `user` (in group
 * system:authenticated) may do what `rule` describes in `namespace`. @throws Error after `timeoutMs`.
 */
export async function waitForAccess(
  client: KubeClient,
  user: string,
  rule: Pick<PolicyRule, 'verbs' | 'apiGroups' | 'resources'>,
  namespace = '',
  timeoutMs = 10_000,
): Promise<void> {
  const [resource = '', subresource = ''] = (rule.resources?.[0] ?? '').split('/');
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      user,
      groups: ['system:authenticated'],
      resourceAttributes: {
        verb: rule.verbs[0],
        group: rule.apiGroups?.[0] ?? '',
        resource,
        subresource,
        namespace,
      },
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = (await client.resource(REVIEWS).create(review)) as {
      status?: { allowed?: boolean };
    };
    if (res.status?.allowed === true) return;
    if (Date.now() > deadline) {
      throw new Error(`RBAC: ${user} still cannot ${JSON.stringify(rule)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
