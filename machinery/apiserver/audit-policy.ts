import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

/** How much of a request the audit log records (audit.k8s.io/v1 `Level`). */
export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

const LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

/** One `resources` entry of a rule: a group and resource names (`plural`, `plural/sub`, `*`). */
export interface AuditGroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

/** A policy rule; every field that is set must match. */
export interface AuditPolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: AuditGroupResources[];
  namespaces?: string[];
  /** Non-resource paths; a trailing `*` matches a prefix. */
  nonResourceURLs?: string[];
}

/** An audit.k8s.io/v1 `Policy`: the first matching rule decides, no match means `None`. */
export interface AuditPolicy {
  rules: AuditPolicyRule[];
}

/** What a rule is matched against. */
export interface AuditRequest {
  user: string;
  groups: readonly string[];
  verb: string;
  /** Absent for non-resource requests. */
  resource?: {
    group: string;
    resource: string;
    subresource: string;
    namespace: string;
    name: string;
  };
  path: string;
}

/** Thrown at start-up when an audit policy file is unreadable or invalid. */
export class AuditPolicyError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(`invalid audit policy: ${message}`, opts);
    this.name = 'AuditPolicyError';
  }
}

/** Resources whose bodies never reach the log, whatever the policy says (they hold credentials). */
const METADATA_ONLY = new Set(['/secrets']);

function listed(list: readonly string[] | undefined, value: string): boolean {
  return list === undefined || list.length === 0 || list.includes(value) || list.includes('*');
}

function resourceMatches(
  gr: AuditGroupResources,
  r: NonNullable<AuditRequest['resource']>,
): boolean {
  if ((gr.group ?? '') !== r.group && gr.group !== '*') return false;
  const full = r.subresource === '' ? r.resource : `${r.resource}/${r.subresource}`;
  const names = gr.resources ?? [];
  const resOk =
    names.length === 0 ||
    names.some(
      (n) =>
        n === full ||
        n === '*' ||
        (n === `${r.resource}/*` && r.subresource !== '') ||
        (n === `*/${r.subresource}` && r.subresource !== ''),
    );
  return resOk && listed(gr.resourceNames, r.name);
}

function ruleMatches(rule: AuditPolicyRule, req: AuditRequest): boolean {
  if (!listed(rule.users, req.user) || !listed(rule.verbs, req.verb)) return false;
  if (rule.userGroups?.length && !rule.userGroups.some((g) => req.groups.includes(g))) return false;
  const r = req.resource;
  if (r === undefined) {
    if (rule.resources?.length || rule.namespaces?.length) return false;
    if (!rule.nonResourceURLs?.length) return true;
    return rule.nonResourceURLs.some((u) =>
      u.endsWith('*') ? req.path.startsWith(u.slice(0, -1)) : u === req.path,
    );
  }
  if (rule.nonResourceURLs?.length) return false;
  if (!listed(rule.namespaces, r.namespace)) return false;
  return !rule.resources?.length || rule.resources.some((gr) => resourceMatches(gr, r));
}

/**
 * The level of one request: the first matching rule's, capped at Metadata for Secrets so their
 * data never lands in the log even under a catch-all RequestResponse rule.
 */
export function auditLevel(policy: AuditPolicy, req: AuditRequest): AuditLevel {
  const level = policy.rules.find((rule) => ruleMatches(rule, req))?.level ?? 'None';
  const r = req.resource;
  if (r && METADATA_ONLY.has(`${r.group}/${r.resource}`) && level !== 'None') return 'Metadata';
  return level;
}

/** Parses an audit.k8s.io/v1 Policy (YAML or JSON). @throws AuditPolicyError */
export function parseAuditPolicy(text: string): AuditPolicy {
  let doc: { apiVersion?: unknown; kind?: unknown; rules?: unknown };
  try {
    doc = load(text) ?? {};
  } catch (err) {
    throw new AuditPolicyError((err as Error).message, { cause: err });
  }
  if (doc.kind !== 'Policy' || doc.apiVersion !== 'audit.k8s.io/v1') {
    throw new AuditPolicyError('expected apiVersion audit.k8s.io/v1, kind Policy');
  }
  if (!Array.isArray(doc.rules)) throw new AuditPolicyError('rules must be a list');
  const rules = doc.rules as AuditPolicyRule[];
  rules.forEach((r, i) => {
    if (!LEVELS.includes(r.level)) {
      throw new AuditPolicyError(`rules[${String(i)}].level must be one of ${LEVELS.join(', ')}`);
    }
  });
  return { rules };
}

/** Reads an audit policy file (`--audit-policy-file`). @throws AuditPolicyError */
export function loadAuditPolicy(path: string): AuditPolicy {
  try {
    return parseAuditPolicy(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err instanceof AuditPolicyError) throw err;
    throw new AuditPolicyError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
