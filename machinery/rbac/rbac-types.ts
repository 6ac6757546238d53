/**
 * `rbac.authorization.k8s.io/v1` object types (Role, ClusterRole, RoleBinding, ClusterRoleBinding)
 * and their validation, with the Kubernetes field names so that kubectl and real manifests work.
 */
import type { GroupVersionResource, KubeObject, StatusCause } from '../meta.js';

/** The RBAC API group. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** One rule of a Role or ClusterRole (rbac/v1 PolicyRule). */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  /** Plural resource names, `resource/subresource`, `*`, or `*` + `/subresource`. */
  resources?: string[];
  resourceNames?: string[];
  /** Non-resource paths; a trailing `*` matches any suffix. Only in ClusterRoles. */
  nonResourceURLs?: string[];
}

/** A label selector as ClusterRole aggregation uses it (matchLabels only, plus matchExpressions In). */
export interface ClusterRoleSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Rules of ClusterRoles whose labels match any selector are unioned into the owner. */
export interface AggregationRule {
  clusterRoleSelectors?: ClusterRoleSelector[];
}

/** Who a binding grants its role to. */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  /** ServiceAccount only. */
  namespace?: string;
  apiGroup?: string;
}

/** The role a binding grants (immutable after creation, as in Kubernetes). */
export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

/** A namespaced set of rules. */
export interface Role extends KubeObject {
  rules?: PolicyRule[];
}

/** A cluster-wide set of rules; with `aggregationRule`, `rules` are filled by the controller. */
export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[];
  aggregationRule?: AggregationRule;
}

/** Grants a Role or ClusterRole inside one namespace. */
export interface RoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** Grants a ClusterRole everywhere. */
export interface ClusterRoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

const gvr = (resource: string): GroupVersionResource => ({
  group: RBAC_GROUP,
  version: 'v1',
  resource,
});
/** GroupVersionResources of the four RBAC types. */
export const ROLES = gvr('roles');
export const CLUSTER_ROLES = gvr('clusterroles');
export const ROLE_BINDINGS = gvr('rolebindings');
export const CLUSTER_ROLE_BINDINGS = gvr('clusterrolebindings');

const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});
const unsupported = (field: string, value: unknown, allowed: string[]): StatusCause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
});
const invalid = (field: string, why: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: why,
});

const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Validates a rule list; `clusterScoped` allows nonResourceURLs (Roles may not hold them). */
export function validateRules(rules: unknown, clusterScoped: boolean): StatusCause[] {
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) return [invalid('rules', 'must be a list')];
  const out: StatusCause[] = [];
  rules.forEach((raw: unknown, i) => {
    const f = `rules[${String(i)}]`;
    if (raw === null || typeof raw !== 'object') {
      out.push(invalid(f, 'must be an object'));
      return;
    }
    const r = raw as Record<string, unknown>;
    if (!isStringList(r.verbs) || r.verbs.length === 0) out.push(required(`${f}.verbs`));
    for (const k of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
      if (r[k] !== undefined && !isStringList(r[k])) {
        out.push(invalid(`${f}.${k}`, 'must be a list of strings'));
      }
    }
    const urls = isStringList(r.nonResourceURLs) ? r.nonResourceURLs : [];
    const resources = isStringList(r.resources) ? r.resources : [];
    if (urls.length > 0) {
      if (!clusterScoped) {
        out.push(
          invalid(`${f}.nonResourceURLs`, 'namespaced rules cannot apply to non-resource URLs'),
        );
      }
      if (resources.length > 0) {
        out.push(
          invalid(
            `${f}.nonResourceURLs`,
            'rules cannot apply to both regular resources and non-resource URLs',
          ),
        );
      }
    } else {
      if (resources.length === 0) out.push(required(`${f}.resources`));
      if (!isStringList(r.apiGroups) || r.apiGroups.length === 0) {
        out.push(required(`${f}.apiGroups`));
      }
    }
  });
  return out;
}

function validateSubjects(subjects: unknown): StatusCause[] {
  if (subjects === undefined || subjects === null) return [];
  if (!Array.isArray(subjects)) return [invalid('subjects', 'must be a list')];
  const out: StatusCause[] = [];
  subjects.forEach((raw: unknown, i) => {
    const f = `subjects[${String(i)}]`;
    const s = (raw ?? {}) as Partial<Subject>;
    if (typeof s.name !== 'string' || s.name === '') out.push(required(`${f}.name`));
    if (s.kind === 'ServiceAccount') {
      if (!s.namespace) out.push(required(`${f}.namespace`));
      if (s.apiGroup) out.push(unsupported(`${f}.apiGroup`, s.apiGroup, ['']));
    } else if (s.kind === 'User' || s.kind === 'Group') {
      if (s.apiGroup !== RBAC_GROUP) {
        out.push(unsupported(`${f}.apiGroup`, s.apiGroup, [RBAC_GROUP]));
      }
    } else {
      out.push(unsupported(`${f}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
    }
  });
  return out;
}

/**
 * Validates a RoleBinding (`namespaced`) or ClusterRoleBinding; `roleRef` may not change on update
 * (Kubernetes: delete and recreate), so a binding's grant is decided once, by its creator.
 */
export function validateBinding(
  b: RoleBinding,
  old: RoleBinding | undefined,
  namespaced: boolean,
): StatusCause[] {
  const out = validateSubjects(b.subjects);
  const ref = b.roleRef as Partial<RoleRef> | undefined;
  if (!ref || typeof ref !== 'object') return [...out, required('roleRef')];
  if (ref.apiGroup !== RBAC_GROUP) {
    out.push(unsupported('roleRef.apiGroup', ref.apiGroup, [RBAC_GROUP]));
  }
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!ref.kind || !kinds.includes(ref.kind)) {
    out.push(unsupported('roleRef.kind', ref.kind, kinds));
  }
  if (typeof ref.name !== 'string' || ref.name === '') out.push(required('roleRef.name'));
  if (old && JSON.stringify(old.roleRef) !== JSON.stringify(b.roleRef)) {
    out.push(invalid('roleRef', 'cannot change roleRef'));
  }
  return out;
}

/** Validates a ClusterRole's aggregation rule (selectors must be objects). */
export function validateAggregationRule(rule: unknown): StatusCause[] {
  if (rule === undefined || rule === null) return [];
  const sel = (rule as AggregationRule).clusterRoleSelectors;
  if (!Array.isArray(sel)) return [required('aggregationRule.clusterRoleSelectors')];
  return sel.flatMap((s: unknown, i) =>
    s === null || typeof s !== 'object'
      ? [invalid(`aggregationRule.clusterRoleSelectors[${String(i)}]`, 'must be a label selector')]
      : [],
  );
}

/**
 * RBAC object names are path segments (Kubernetes `ValidatePathSegmentName`): anything but `/`,
 * `%`, `.` and `..`, so that `system:node` and `system:kube-scheduler` are valid.
 */
export function validatePathSegmentName(name: string): StatusCause[] {
  if (name === '' || name === '.' || name === '..' || /[/%]/.test(name) || name.length > 253) {
    return [
      invalid(
        'metadata.name',
        `Invalid value: "${name}": may not be '.' or '..' and may not contain '/' or '%'`,
      ),
    ];
  }
  return [];
}
