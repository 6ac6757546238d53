/**
 * The four RBAC kinds as served {@link ResourceType}s. `rbacResourceTypes(guard)` adds the
 * privilege-escalation admission of {@link RbacWriteGuard} to the base types.
 */
import type { KubeObject } from '../meta.js';
import type { ResourceType } from '../resource-type.js';
import {
  RBAC_GROUP,
  validateAggregationRule,
  validateBinding,
  validatePathSegmentName,
  validateRules,
  type ClusterRole,
  type ClusterRoleBinding,
  type Role,
  type RoleBinding,
} from './rbac-types.js';

const subjectsColumn = (b: RoleBinding): string =>
  (b.subjects ?? []).map((s) => `${s.kind}/${s.name}`).join(', ');

/** Role (namespaced rules). */
export const roleType: ResourceType<Role> = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  validateName: validatePathSegmentName,
  validate: (r) => validateRules(r.rules, false),
};

/** ClusterRole (cluster-wide rules, optionally aggregated). */
export const clusterRoleType: ResourceType<ClusterRole> = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  validateName: validatePathSegmentName,
  validate: (r) => [...validateRules(r.rules, true), ...validateAggregationRule(r.aggregationRule)],
};

/** RoleBinding (grants a Role or ClusterRole inside its namespace). */
export const roleBindingType: ResourceType<RoleBinding> = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  validateName: validatePathSegmentName,
  validate: (b, old) => validateBinding(b, old, true),
  printerColumns: [
    { name: 'Role', type: 'string', value: (b) => `${b.roleRef.kind}/${b.roleRef.name}` },
    { name: 'Subjects', type: 'string', value: subjectsColumn, priority: 1 },
  ],
};

/** ClusterRoleBinding (grants a ClusterRole everywhere). */
export const clusterRoleBindingType: ResourceType<ClusterRoleBinding> = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  validateName: validatePathSegmentName,
  validate: (b, old) => validateBinding(b, old, false),
  printerColumns: [
    { name: 'Role', type: 'string', value: (b) => `${b.roleRef.kind}/${b.roleRef.name}` },
    { name: 'Subjects', type: 'string', value: subjectsColumn, priority: 1 },
  ],
};

/** The base types (no escalation admission): what the cache lists and watches. */
export const baseRbacTypes = {
  roles: roleType as unknown as ResourceType,
  clusterRoles: clusterRoleType as unknown as ResourceType,
  roleBindings: roleBindingType as unknown as ResourceType,
  clusterRoleBindings: clusterRoleBindingType as unknown as ResourceType,
};

/** The kind names of the four RBAC types. */
export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

/**
 * Checks an RBAC write against the writer's own permissions (`old` is set on update). Throws
 * ForbiddenError to refuse.
 */
export interface RbacWriteGuard {
  checkWrite(kind: RbacKind, obj: KubeObject, old: KubeObject | undefined): void;
}

/** The four RBAC types with escalation prevention on create, update and patch. */
export function rbacResourceTypes(guard: RbacWriteGuard): ResourceType[] {
  return Object.values(baseRbacTypes).map((rt): ResourceType => ({
    ...rt,
    admit: (obj) => {
      guard.checkWrite(rt.kind as RbacKind, obj, undefined);
    },
    admitUpdate: (obj, old) => {
      guard.checkWrite(rt.kind as RbacKind, obj, old);
    },
  }));
}
