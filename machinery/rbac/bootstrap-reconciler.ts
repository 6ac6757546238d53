/**
 * Reconciles the bootstrap policy at server start, as kube-apiserver's `rbac/bootstrap-roles`
 * post-start hook does: missing objects are created; existing ones get missing rules, subjects and
 * labels added (extra ones an operator added are kept); an object annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone. Idempotent.
 */
import type { KubeObject } from '../meta.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../errors/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';
import type { BootstrapPolicy } from './bootstrap-policy.js';
import { baseRbacTypes } from './rbac-resource-types.js';
import type { ClusterRole, RoleBinding } from './rbac-types.js';

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

function union<T>(have: readonly T[], want: readonly T[]): T[] {
  const seen = new Set(have.map((x) => JSON.stringify(x)));
  return [...have, ...want.filter((x) => !seen.has(JSON.stringify(x)))];
}

/** The stored object with the desired parts merged in. */
function merged(cur: KubeObject, want: KubeObject): KubeObject {
  const next = structuredClone(cur);
  next.metadata.labels = { ...(cur.metadata.labels ?? {}), ...(want.metadata.labels ?? {}) };
  if (want.kind === 'ClusterRole' || want.kind === 'Role') {
    const w = want as ClusterRole;
    if (w.aggregationRule) next.aggregationRule = w.aggregationRule;
    // an aggregated role's rules belong to the aggregation controller
    else next.rules = union((cur as ClusterRole).rules ?? [], w.rules ?? []);
  } else {
    next.subjects = union(
      (cur as RoleBinding).subjects ?? [],
      (want as RoleBinding).subjects ?? [],
    );
  }
  return next;
}

async function reconcileOne(
  registry: GenericRegistry,
  rt: ResourceType,
  want: KubeObject,
): Promise<void> {
  const ns = want.metadata.namespace;
  const name = want.metadata.name ?? '';
  for (let attempt = 0; attempt < 5; attempt++) {
    let cur: KubeObject;
    try {
      cur = await registry.get(rt, ns, name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      try {
        await registry.create(rt, ns, structuredClone(want));
        return;
      } catch (e) {
        if (e instanceof AlreadyExistsError) continue; // another server replica created it
        throw e;
      }
    }
    if (cur.metadata.annotations?.[AUTOUPDATE] === 'false') return;
    const wantRef = (want as RoleBinding).roleRef as unknown;
    if (wantRef !== undefined && JSON.stringify(cur.roleRef) !== JSON.stringify(wantRef)) {
      // roleRef is immutable: replace the binding
      await registry.delete(rt, ns, name).catch((e: unknown) => {
        if (!(e instanceof NotFoundError)) throw e;
      });
      continue;
    }
    const next = merged(cur, want);
    if (JSON.stringify(next) === JSON.stringify(cur)) return;
    try {
      await registry.update(rt, ns, name, next);
      return;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
  throw new ConflictError(`bootstrap policy: ${rt.plural} "${name}" kept changing`, { name });
}

/** Creates or updates every object of `policy` (in-process writes: no escalation check). */
export async function reconcileBootstrapPolicy(
  registry: GenericRegistry,
  policy: BootstrapPolicy,
): Promise<void> {
  const t = baseRbacTypes;
  for (const r of policy.clusterRoles) await reconcileOne(registry, t.clusterRoles, r);
  for (const r of policy.roles) await reconcileOne(registry, t.roles, r);
  for (const b of policy.clusterRoleBindings) {
    await reconcileOne(registry, t.clusterRoleBindings, b);
  }
  for (const b of policy.roleBindings) await reconcileOne(registry, t.roleBindings, b);
}
