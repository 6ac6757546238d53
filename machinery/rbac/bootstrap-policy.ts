/**
 * The default roles every Flotilla API server (federation and members) reconciles at start, after
 * Kubernetes' bootstrap policy: cluster-admin, the aggregated admin/edit/view, discovery and
 * self-review access for every authenticated user, and health/version for everyone.
 */
import type { ResourceType } from '../resource-type.js';
import { AUTHORIZATION_GROUP } from './access-reviews.js';
import {
  RBAC_GROUP,
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
  type Role,
  type RoleBinding,
  type Subject,
} from './rbac-types.js';

/** Roles and bindings an API server reconciles at start (idempotently). */
export interface BootstrapPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
  roles: Role[];
  roleBindings: RoleBinding[];
}

/** Label Kubernetes puts on bootstrap objects. */
export const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
/** Label keys that aggregate a ClusterRole into admin / edit / view. */
export const AGGREGATE_TO = {
  admin: 'rbac.authorization.k8s.io/aggregate-to-admin',
  edit: 'rbac.authorization.k8s.io/aggregate-to-edit',
  view: 'rbac.authorization.k8s.io/aggregate-to-view',
};

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** A ClusterRole with the bootstrap labels plus `labels`. */
export function clusterRole(
  name: string,
  rules: PolicyRule[],
  labels: Record<string, string> = {},
): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels } },
    rules,
  };
}

/** A Role in `namespace`. */
export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'Role',
    metadata: { name, namespace, labels: { ...BOOTSTRAP_LABELS } },
    rules,
  };
}

/** A User subject. */
export const userSubject = (name: string): Subject => ({
  kind: 'User',
  apiGroup: RBAC_GROUP,
  name,
});
/** A Group subject. */
export const groupSubject = (name: string): Subject => ({
  kind: 'Group',
  apiGroup: RBAC_GROUP,
  name,
});

/** A ClusterRoleBinding of the ClusterRole `roleName`. */
export function clusterRoleBinding(
  name: string,
  roleName: string,
  subjects: Subject[],
): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    subjects,
  };
}

/** A RoleBinding in `namespace` of the Role (or ClusterRole) `roleName`. */
export function roleBinding(
  namespace: string,
  name: string,
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
  subjects: Subject[],
): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace, labels: { ...BOOTSTRAP_LABELS } },
    roleRef: { apiGroup: RBAC_GROUP, ...roleRef },
    subjects,
  };
}

const aggregated = (
  name: string,
  key: string,
  labels: Record<string, string> = {},
): ClusterRole => ({
  ...clusterRole(name, [], labels),
  aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [key]: 'true' } }] },
});

/** Groups of the namespaced resources served (RBAC and reviews excluded), with their resources. */
function namespacedResources(types: readonly ResourceType[], exclude: Set<string>): PolicyRule[] {
  const byGroup = new Map<string, { main: string[]; status: string[]; scale: string[] }>();
  for (const t of types) {
    if (!t.namespaced || exclude.has(t.plural) || t.group === RBAC_GROUP) continue;
    if (t.group === AUTHORIZATION_GROUP) continue;
    const g = byGroup.get(t.group) ?? { main: [], status: [], scale: [] };
    g.main.push(t.plural);
    if (t.subresources?.status) g.status.push(`${t.plural}/status`);
    if (t.subresources?.scale) g.scale.push(`${t.plural}/scale`);
    byGroup.set(t.group, g);
  }
  return [...byGroup].map(([group, g]) => ({
    verbs: [],
    apiGroups: [group],
    resources: [...g.main, ...g.status, ...g.scale],
  }));
}

/**
 * The generic default policy for a server serving `types`: view reads every namespaced resource
 * but Secrets, edit writes them (and reads Secrets), admin adds Roles and RoleBindings.
 */
export function defaultBootstrapPolicy(types: readonly ResourceType[]): BootstrapPolicy {
  const readable = namespacedResources(types, new Set(['secrets'])).map((r) => ({
    ...r,
    verbs: READ,
  }));
  const writable = namespacedResources(types, new Set()).map((r) => ({
    ...r,
    verbs: [...READ, ...WRITE],
  }));
  const discoveryUrls = ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*'];
  const publicUrls = ['/healthz', '/livez', '/readyz', '/version', '/version/'];
  return {
    clusterRoles: [
      clusterRole('cluster-admin', [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ]),
      aggregated('admin', AGGREGATE_TO.admin),
      aggregated('edit', AGGREGATE_TO.edit, { [AGGREGATE_TO.admin]: 'true' }),
      aggregated('view', AGGREGATE_TO.view, { [AGGREGATE_TO.edit]: 'true' }),
      clusterRole(
        'system:aggregate-to-admin',
        [
          {
            verbs: [...READ, ...WRITE],
            apiGroups: [RBAC_GROUP],
            resources: ['roles', 'rolebindings'],
          },
        ],
        { [AGGREGATE_TO.admin]: 'true' },
      ),
      clusterRole('system:aggregate-to-edit', writable, { [AGGREGATE_TO.edit]: 'true' }),
      clusterRole('system:aggregate-to-view', readable, { [AGGREGATE_TO.view]: 'true' }),
      clusterRole('system:discovery', [{ verbs: ['get'], nonResourceURLs: discoveryUrls }]),
      clusterRole('system:public-info-viewer', [{ verbs: ['get'], nonResourceURLs: publicUrls }]),
      // Kubernetes' role for scrapers: Prometheus gets a user in group system:monitoring
      clusterRole('system:monitoring', [
        { verbs: ['get'], nonResourceURLs: ['/metrics', '/healthz', '/livez', '/readyz'] },
      ]),
      clusterRole('system:basic-user', [
        {
          verbs: ['create'],
          apiGroups: [AUTHORIZATION_GROUP],
          resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        },
        {
          verbs: ['create'],
          apiGroups: ['authentication.k8s.io'],
          resources: ['selfsubjectreviews'],
        },
      ]),
    ],
    clusterRoleBindings: [
      clusterRoleBinding('cluster-admin', 'cluster-admin', [groupSubject('system:masters')]),
      clusterRoleBinding('system:discovery', 'system:discovery', [
        groupSubject('system:authenticated'),
      ]),
      clusterRoleBinding('system:basic-user', 'system:basic-user', [
        groupSubject('system:authenticated'),
      ]),
      clusterRoleBinding('system:monitoring', 'system:monitoring', [
        groupSubject('system:monitoring'),
      ]),
      clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [
        groupSubject('system:authenticated'),
        groupSubject('system:unauthenticated'),
      ]),
    ],
    roles: [],
    roleBindings: [],
  };
}

/** Concatenates policies (later parts add roles and bindings). */
export function mergePolicies(...parts: BootstrapPolicy[]): BootstrapPolicy {
  return {
    clusterRoles: parts.flatMap((p) => p.clusterRoles),
    clusterRoleBindings: parts.flatMap((p) => p.clusterRoleBindings),
    roles: parts.flatMap((p) => p.roles),
    roleBindings: parts.flatMap((p) => p.roleBindings),
  };
}
