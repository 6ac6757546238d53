/**
 * The RBAC authorizer (kube-apiserver `--authorization-mode=RBAC`) and the privilege-escalation
 * guard on RBAC writes, both answering from the {@link RbacCache}.
 */
import type { KubeObject } from '../meta.js';
import type {
  AuthorizationAttributes,
  AuthorizationDecision,
  Authorizer,
} from '../auth/authorizer.js';
import { currentRequestUser } from '../auth/request-user-context.js';
import { MASTERS_GROUP, type UserInfo } from '../auth/user-info.js';
import { ForbiddenError } from '../errors/index.js';
import { describeRules, rulesAllow, uncoveredRules } from './policy-rules.js';
import type { RbacCache } from './rbac-cache.js';
import type { RbacKind, RbacWriteGuard } from './rbac-resource-types.js';
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type RoleBinding } from './rbac-types.js';

const PLURAL: Record<RbacKind, string> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};

/** Whether `user` is in `system:masters` (allowed everything, never looked up). */
export function isMaster(user: UserInfo): boolean {
  return user.groups.includes(MASTERS_GROUP);
}

/** Authorizes requests from RBAC rules and refuses RBAC writes that would escalate privileges. */
export class RbacAuthorizer implements Authorizer, RbacWriteGuard {
  readonly cache: RbacCache;

  constructor(cache: RbacCache) {
    this.cache = cache;
  }

  async authorize(a: AuthorizationAttributes): Promise<AuthorizationDecision> {
    // before the first list every request would be refused: wait for it instead (server start)
    if (!this.cache.isSynced) await this.cache.synced();
    return this.decide(a);
  }

  /** The decision, synchronously (the cache must be synced). */
  decide(a: AuthorizationAttributes): AuthorizationDecision {
    if (isMaster(a.user)) return { allowed: true, reason: `user is in group "${MASTERS_GROUP}"` };
    if (rulesAllow(this.cache.clusterRules(a.user), a)) {
      return { allowed: true, reason: 'allowed by a ClusterRoleBinding' };
    }
    if (a.resourceRequest && a.namespace !== '') {
      if (rulesAllow(this.cache.namespaceRules(a.user, a.namespace), a)) {
        return { allowed: true, reason: `allowed by a RoleBinding in namespace "${a.namespace}"` };
      }
    }
    return { allowed: false };
  }

  /** Every rule that applies to `user` in `namespace` ('' = cluster-wide rules only). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    if (isMaster(user)) {
      return [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ];
    }
    const cluster = this.cache.clusterRules(user);
    return namespace === '' ? cluster : [...cluster, ...this.cache.namespaceRules(user, namespace)];
  }

  private allowedVerb(user: UserInfo, verb: string, kind: RbacKind, obj: KubeObject): boolean {
    return this.decide({
      user,
      verb,
      resourceRequest: true,
      apiGroup: RBAC_GROUP,
      apiVersion: 'v1',
      resource: PLURAL[kind],
      subresource: '',
      namespace: obj.metadata.namespace ?? '',
      name: kind === 'Role' || kind === 'ClusterRole' ? (obj.metadata.name ?? '') : '',
      path: '',
    }).allowed;
  }

  /**
   * Kubernetes' escalation rules: a Role/ClusterRole write needs every rule it holds, or `escalate`
   * on roles/clusterroles; a binding needs every rule of the referenced role (in the binding's
   * namespace), or `bind` on that role. Writes outside a request (bootstrap) are trusted.
   */
  checkWrite(kind: RbacKind, obj: KubeObject, old: KubeObject | undefined): void {
    const user = currentRequestUser();
    if (user === undefined || isMaster(user)) return;
    if (old !== undefined && !grantChanged(kind, obj, old)) return;
    const namespace = obj.metadata.namespace ?? '';
    const owned = this.rulesFor(user, namespace);
    if (kind === 'Role' || kind === 'ClusterRole') {
      const role = obj as ClusterRole;
      if (this.allowedVerb(user, 'escalate', kind, obj)) return;
      if (kind === 'ClusterRole' && role.aggregationRule) {
        // aggregated rules are decided by whoever labels the parts; Kubernetes requires escalate
        throw this.forbidden(kind, obj, 'setting an aggregationRule requires escalate');
      }
      const missing = uncoveredRules(owned, role.rules ?? []);
      if (missing.length === 0) return;
      throw this.forbidden(
        kind,
        obj,
        `user "${user.name}" is attempting to grant RBAC permissions not currently held: ${describeRules(missing)}`,
      );
    }
    const b = obj as RoleBinding;
    const roleObj: KubeObject = {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: b.roleRef.kind,
      metadata: { name: b.roleRef.name, ...(b.roleRef.kind === 'Role' ? { namespace } : {}) },
    };
    if (this.allowedVerb(user, 'bind', b.roleRef.kind, roleObj)) return;
    const missing = uncoveredRules(owned, this.cache.roleRules(b.roleRef, namespace));
    if (missing.length === 0) return;
    throw this.forbidden(
      kind,
      obj,
      `user "${user.name}" cannot bind ${b.roleRef.kind} "${b.roleRef.name}": it grants permissions not currently held: ${describeRules(missing)}`,
    );
  }

  private forbidden(kind: RbacKind, obj: KubeObject, why: string): ForbiddenError {
    const name = obj.metadata.name ?? '';
    return new ForbiddenError(`${PLURAL[kind]}.${RBAC_GROUP} "${name}" is forbidden: ${why}`, {
      kind: PLURAL[kind],
      group: RBAC_GROUP,
      name,
    });
  }
}

/** Whether an update changes what the object grants (metadata-only updates need no check). */
function grantChanged(kind: RbacKind, obj: KubeObject, old: KubeObject): boolean {
  const pick = (o: KubeObject): string =>
    kind === 'Role' || kind === 'ClusterRole'
      ? JSON.stringify([o.rules ?? [], o.aggregationRule ?? null])
      : JSON.stringify([o.subjects ?? [], o.roleRef ?? null]);
  return pick(obj) !== pick(old);
}
