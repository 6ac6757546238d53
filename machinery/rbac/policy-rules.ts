/**
 * RBAC rule matching (Kubernetes `rbac.RuleAllows`) and rule coverage (`validation.Covers`), used
 * by the authorizer, the access reviews and privilege-escalation prevention.
 */
import type { AuthorizationAttributes } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user-info.js';
import type { PolicyRule, Subject } from './rbac-types.js';

const has = (list: readonly string[] | undefined, v: string): boolean =>
  list !== undefined && (list.includes('*') || list.includes(v));

/** Whether a rule's resource entry matches `resource` + `subresource` (`*`, `*` + `/sub`, exact). */
export function resourceMatches(ruleResource: string, resource: string, sub: string): boolean {
  if (ruleResource === '*') return true;
  const combined = sub === '' ? resource : `${resource}/${sub}`;
  if (ruleResource === combined) return true;
  return sub !== '' && ruleResource === `*/${sub}`;
}

/** Whether a non-resource rule path matches `path` (exact, `*`, or a trailing `*` prefix). */
export function urlMatches(ruleUrl: string, path: string): boolean {
  if (ruleUrl === '*' || ruleUrl === path) return true;
  return ruleUrl.endsWith('*') && path.startsWith(ruleUrl.slice(0, -1));
}

/** Whether one rule allows the request described by `a`. */
export function ruleAllows(rule: PolicyRule, a: AuthorizationAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    return (rule.nonResourceURLs ?? []).some((u) => urlMatches(u, a.path));
  }
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  if (!(rule.resources ?? []).some((r) => resourceMatches(r, a.resource, a.subresource))) {
    return false;
  }
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== '' && names.includes(a.name));
}

/** Whether any of `rules` allows the request. */
export function rulesAllow(rules: readonly PolicyRule[], a: AuthorizationAttributes): boolean {
  for (const r of rules) if (ruleAllows(r, a)) return true;
  return false;
}

/** Whether a binding subject names this user (directly, by group, or as a service account). */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace ?? bindingNamespace}:${s.name}`;
    default:
      return false;
  }
}

/** A rule with one verb, group, resource and resource name (or one verb and URL). */
interface AtomicRule {
  verb: string;
  group?: string;
  resource?: string;
  name?: string;
  url?: string;
}

function atoms(rule: PolicyRule): AtomicRule[] {
  const out: AtomicRule[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verb, url });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ verb, group, resource });
        for (const name of names) out.push({ verb, group, resource, name });
      }
    }
  }
  return out;
}

/** Owner resource entry covers a requested one: `*`, exact, a `*` subresource wildcard. */
function resourceCovers(owner: string, wanted: string): boolean {
  if (owner === '*' || owner === wanted) return true;
  const [res = '', sub] = wanted.split('/', 2);
  if (sub === undefined) return false;
  return owner === `*/${sub}` || owner === `${res}/*`;
}

function ownerCovers(owner: PolicyRule, a: AtomicRule): boolean {
  if (!has(owner.verbs, a.verb)) return false;
  if (a.url !== undefined) {
    return (owner.nonResourceURLs ?? []).some(
      (u) =>
        u === a.url || u === '*' || (u.endsWith('*') && (a.url ?? '').startsWith(u.slice(0, -1))),
    );
  }
  if (!has(owner.apiGroups, a.group ?? '')) return false;
  if (!(owner.resources ?? []).some((r) => resourceCovers(r, a.resource ?? ''))) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

/**
 * The parts of `wanted` that `owner` does not cover (empty when `owner` holds every permission
 * `wanted` grants): a writer may only hand out what they hold themselves.
 */
export function uncoveredRules(
  owner: readonly PolicyRule[],
  wanted: readonly PolicyRule[],
): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of wanted) {
    for (const a of atoms(rule)) {
      if (owner.some((o) => ownerCovers(o, a))) continue;
      missing.push(
        a.url !== undefined
          ? { verbs: [a.verb], nonResourceURLs: [a.url] }
          : {
              verbs: [a.verb],
              apiGroups: [a.group ?? ''],
              resources: [a.resource ?? ''],
              ...(a.name !== undefined ? { resourceNames: [a.name] } : {}),
            },
      );
    }
  }
  return missing;
}

/** A compact `{verbs; groups; resources; names}` text for 403 messages. */
export function describeRules(rules: readonly PolicyRule[], max = 5): string {
  const shown = rules
    .slice(0, max)
    .map((r) =>
      r.nonResourceURLs
        ? `{NonResourceURLs:${JSON.stringify(r.nonResourceURLs)}, Verbs:${JSON.stringify(r.verbs)}}`
        : `{APIGroups:${JSON.stringify(r.apiGroups ?? [])}, Resources:${JSON.stringify(r.resources ?? [])}${r.resourceNames ? `, ResourceNames:${JSON.stringify(r.resourceNames)}` : ''}, Verbs:${JSON.stringify(r.verbs)}}`,
    );
  const more = rules.length > max ? ` and ${String(rules.length - max)} more` : '';
  return `[${shown.join(' ')}]${more}`;
}
