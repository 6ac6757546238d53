/**
 * rbac.authorization.k8s.io/v1 messages (k8s.io/api rbac/v1 generated.proto numbering): what
 * `kubectl create role|clusterrole|rolebinding|clusterrolebinding` post.
 */
import { labelSelector } from './core-schemas.js';
import { kindMessage } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const policyRule: Schema = message(
  { name: 'io.k8s.api.rbac.v1.PolicyRule' },
  {
    1: {
      name: 'verbs',
      type: 'string',
      repeated: true,
      required: true,
      description: 'Verbs the rule allows (get, list, create...; * for all).',
    },
    2: { name: 'apiGroups', type: 'string', repeated: true },
    3: { name: 'resources', type: 'string', repeated: true },
    4: { name: 'resourceNames', type: 'string', repeated: true },
    5: { name: 'nonResourceURLs', type: 'string', repeated: true },
  },
);

const aggregationRule: Schema = message(
  { name: 'io.k8s.api.rbac.v1.AggregationRule' },
  { 1: { name: 'clusterRoleSelectors', type: () => labelSelector, repeated: true } },
);

const subject: Schema = message(
  { name: 'io.k8s.api.rbac.v1.Subject' },
  {
    1: { name: 'kind', type: 'string', required: true },
    2: { name: 'apiGroup', type: 'string' },
    3: { name: 'name', type: 'string', required: true },
    4: { name: 'namespace', type: 'string' },
  },
);

const roleRef: Schema = message(
  { name: 'io.k8s.api.rbac.v1.RoleRef' },
  {
    1: { name: 'apiGroup', type: 'string', required: true },
    2: { name: 'kind', type: 'string', required: true },
    3: { name: 'name', type: 'string', required: true },
  },
);

const rules = {
  name: 'rules',
  type: () => policyRule,
  repeated: true,
  description: 'What the role allows.',
};

const binding = {
  2: {
    name: 'subjects',
    type: () => subject,
    repeated: true,
    description: 'Who the role is granted to.',
  },
  3: {
    name: 'roleRef',
    type: () => roleRef,
    required: true,
    description: 'The Role or ClusterRole granted.',
  },
};

/** RBAC kinds by `apiVersion/kind`. */
export const rbacSchemas: Record<string, Schema> = {
  'rbac.authorization.k8s.io/v1/Role': kindMessage(
    'io.k8s.api.rbac.v1.Role',
    'Rules granting access to resources of one namespace.',
    { 2: rules },
  ),
  'rbac.authorization.k8s.io/v1/ClusterRole': kindMessage(
    'io.k8s.api.rbac.v1.ClusterRole',
    'Rules granting access to resources of the whole cluster (or, bound by a RoleBinding, of one namespace).',
    { 2: rules, 3: { name: 'aggregationRule', type: () => aggregationRule } },
  ),
  'rbac.authorization.k8s.io/v1/RoleBinding': kindMessage(
    'io.k8s.api.rbac.v1.RoleBinding',
    'Grants a Role or ClusterRole to subjects within one namespace.',
    binding,
  ),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': kindMessage(
    'io.k8s.api.rbac.v1.ClusterRoleBinding',
    'Grants a ClusterRole to subjects in the whole cluster.',
    binding,
  ),
};
