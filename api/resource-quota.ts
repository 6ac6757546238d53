/**
 * core/v1 ResourceQuota: its type, validation, and what a quota counts — the usage of an object
 * (Kubernetes' quota evaluators: pods with their requests and limits, object counts) and the
 * constraint that pods name their cpu/memory requests when a quota limits them. Shared by the
 * ResourceQuota admission of the member API server and the quota controller.
 */
import { quantitySuffix, quantityValue } from './quantity.js';
import type { KubeObject, StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import type { Container, Pod } from './core-types.js';

/** A scoped-resource selector requirement (spec.scopeSelector.matchExpressions). */
export interface ScopedResourceSelectorRequirement {
  scopeName: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** core/v1 ResourceQuota. */
export interface ResourceQuota extends KubeObject {
  spec?: {
    hard?: Record<string, string>;
    scopes?: string[];
    scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] };
  };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** Object counts with a name of their own (core group), as `count/<resource>` also counts them. */
export const CLASSIC_COUNTED = [
  'configmaps',
  'secrets',
  'services',
  'persistentvolumeclaims',
  'replicationcontrollers',
  'resourcequotas',
] as const;

/** The pod resources a quota may hold (beyond counts). */
const POD_COMPUTE = [
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
] as const;

/** Resources a pod evaluator enforces explicit requests for (quota's validationSet). */
const VALIDATION_SET = new Set<string>(POD_COMPUTE);

/** Scopes this server evaluates (on pods only, as Kubernetes does). */
export const SUPPORTED_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort'];

/**
 * A resource.Quantity in thousandths of its unit ("500m" → 500, "2" → 2000, "1Ki" → 1024000),
 * undefined when it is not a quantity.
 */
export function parseQuantity(q: unknown): number | undefined {
  const v = quantityValue(q);
  return v === undefined ? undefined : Math.round(v * 1000);
}

const isBinaryResource = (name: string): boolean =>
  /(^|\.)(memory|storage|ephemeral-storage)$/.test(name) || name.startsWith('hugepages-');

/** A quantity of `milli` thousandths as Kubernetes prints it for resource `name`. */
export function formatQuantity(milli: number, name: string): string {
  if (milli % 1000 !== 0) return `${String(milli)}m`;
  const n = milli / 1000;
  if (n === 0) return '0';
  if (isBinaryResource(name)) {
    for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const f = quantitySuffix(s);
      if (Math.abs(n) >= f && n % f === 0) return `${String(n / f)}${s}`;
    }
  }
  for (const s of ['E', 'P', 'T', 'G', 'M', 'k']) {
    const f = quantitySuffix(s);
    if (Math.abs(n) >= f && n % f === 0) return `${String(n / f)}${s}`;
  }
  return String(n);
}

/** The `count/<resource>[.<group>]` name of a type. */
export function countName(group: string, plural: string): string {
  return group === '' ? `count/${plural}` : `count/${plural}.${group}`;
}

/**
 * The type (group, plural) whose objects a quota resource counts: pods for the pod resources,
 * the named type for object counts; undefined for a resource this server does not evaluate.
 */
export function countedType(resource: string): { group: string; plural: string } | undefined {
  if (resource === 'pods' || (POD_COMPUTE as readonly string[]).includes(resource)) {
    return { group: '', plural: 'pods' };
  }
  if ((CLASSIC_COUNTED as readonly string[]).includes(resource)) {
    return { group: '', plural: resource };
  }
  if (resource.startsWith('count/')) {
    const rest = resource.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0
      ? { group: '', plural: rest }
      : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
  }
  return undefined;
}

/**
 * Whether a pod counts against quota (Kubernetes' QuotaV1Pod): not Succeeded or Failed, and not
 * past the end of its graceful deletion.
 */
export function podCounts(pod: Pod, now: number = Date.now()): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = pod.metadata.deletionTimestamp;
  if (del !== undefined && pod.metadata.deletionGracePeriodSeconds !== undefined) {
    const end = Date.parse(del) + pod.metadata.deletionGracePeriodSeconds * 1000;
    if (now > end) return false;
  }
  return true;
}

const initContainers = (pod: Pod): Container[] =>
  (pod.spec as { initContainers?: Container[] }).initContainers ?? [];

/** A container's requests, with requests defaulted from limits as Kubernetes' defaulting does. */
function containerRequests(c: Container): Record<string, string> {
  return { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
}

/**
 * A pod's effective requests or limits (resourcehelper.PodRequests): the sum over its
 * containers, at least the largest init container's, in thousandths.
 */
function podAmounts(pod: Pod, kind: 'requests' | 'limits'): Record<string, number> {
  const of = (c: Container): Record<string, string> =>
    kind === 'requests' ? containerRequests(c) : (c.resources?.limits ?? {});
  const sum: Record<string, number> = {};
  for (const c of pod.spec.containers) {
    for (const [r, q] of Object.entries(of(c))) sum[r] = (sum[r] ?? 0) + (parseQuantity(q) ?? 0);
  }
  for (const c of initContainers(pod)) {
    for (const [r, q] of Object.entries(of(c))) {
      sum[r] = Math.max(sum[r] ?? 0, parseQuantity(q) ?? 0);
    }
  }
  return sum;
}

/** What a pod uses of each quota resource, in thousandths (empty when it does not count). */
export function podUsage(pod: Pod, now?: number): Record<string, number> {
  if (!podCounts(pod, now)) return {};
  const out: Record<string, number> = { pods: 1000, 'count/pods': 1000 };
  const requests = podAmounts(pod, 'requests');
  const limits = podAmounts(pod, 'limits');
  for (const r of ['cpu', 'memory'] as const) {
    const req = requests[r];
    if (req !== undefined) {
      out[r] = req;
      out[`requests.${r}`] = req;
    }
    const lim = limits[r];
    if (lim !== undefined) out[`limits.${r}`] = lim;
  }
  return out;
}

/** What one object of `rt` uses of each quota resource, in thousandths. */
export function objectUsage(
  rt: Pick<ResourceType, 'group' | 'plural'>,
  obj: KubeObject,
  now?: number,
): Record<string, number> {
  if (rt.group === '' && rt.plural === 'pods') return podUsage(obj as Pod, now);
  const out: Record<string, number> = { [countName(rt.group, rt.plural)]: 1000 };
  if (rt.group === '' && (CLASSIC_COUNTED as readonly string[]).includes(rt.plural)) {
    out[rt.plural] = 1000;
  }
  return out;
}

const isBestEffort = (pod: Pod): boolean =>
  [...pod.spec.containers, ...initContainers(pod)].every(
    (c) =>
      Object.keys(c.resources?.requests ?? {}).length === 0 &&
      Object.keys(c.resources?.limits ?? {}).length === 0,
  );

/** Whether `quota`'s scopes select object `obj` of `rt` (scoped quotas select pods only). */
export function quotaSelects(
  quota: ResourceQuota,
  rt: Pick<ResourceType, 'group' | 'plural'>,
  obj: KubeObject,
): boolean {
  const scopes = quota.spec?.scopes ?? [];
  if (scopes.length === 0) return true;
  if (rt.group !== '' || rt.plural !== 'pods') return false;
  const pod = obj as Pod;
  const terminating = (pod.spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds;
  return scopes.every((s) => {
    switch (s) {
      case 'Terminating':
        return terminating !== undefined && terminating >= 0;
      case 'NotTerminating':
        return terminating === undefined;
      case 'BestEffort':
        return isBestEffort(pod);
      case 'NotBestEffort':
        return !isBestEffort(pod);
      default:
        return false;
    }
  });
}

/**
 * The pod evaluator's constraint (`enforcePodContainerConstraints`): with a quota on cpu or
 * memory, every container must state it. Returns Kubernetes' message (`must specify
 * requests.cpu for: app`) or undefined.
 */
export function podConstraintViolation(pod: Pod, hard: readonly string[]): string | undefined {
  const required = hard.filter((r) => VALIDATION_SET.has(r));
  if (required.length === 0) return undefined;
  const missing = new Map<string, string[]>();
  for (const c of [...pod.spec.containers, ...initContainers(pod)]) {
    const req = containerRequests(c);
    const lim = c.resources?.limits ?? {};
    const has = new Set<string>();
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined) has.add(r).add(`requests.${r}`);
      if (lim[r] !== undefined) has.add(`limits.${r}`);
    }
    for (const r of required) {
      if (!has.has(r)) missing.set(r, [...(missing.get(r) ?? []), c.name]);
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()]
    .sort()
    .map((r) => `${r} for: ${[...new Set(missing.get(r))].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** `k=v,k2=v2` sorted by name (quota's prettyPrint). */
export function prettyUsage(values: Record<string, string>): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${k}=${values[k] ?? ''}`)
    .join(',');
}

/** Resource names a quota may hold: a qualified name or one of the standard ones. */
const RESOURCE_NAME =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Validates a ResourceQuota (names and quantities of spec.hard, scopes). */
export function validateResourceQuota(q: ResourceQuota): StatusCause[] {
  const out: StatusCause[] = [];
  const hard = q.spec?.hard ?? {};
  if (typeof hard !== 'object' || Array.isArray(hard)) {
    return [{ reason: 'FieldValueInvalid', field: 'spec.hard', message: 'must be a map' }];
  }
  for (const [k, v] of Object.entries(hard)) {
    if (!RESOURCE_NAME.test(k)) {
      out.push({
        reason: 'FieldValueInvalid',
        field: `spec.hard[${k}]`,
        message: `Invalid value: "${k}": must be a standard resource type or fully qualified`,
      });
    }
    const n = parseQuantity(v);
    if (n === undefined) {
      out.push({
        reason: 'FieldValueInvalid',
        field: `spec.hard[${k}]`,
        message: `Invalid value: "${String(v)}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      });
    } else if (n < 0) {
      out.push({
        reason: 'FieldValueInvalid',
        field: `spec.hard[${k}]`,
        message: `Invalid value: "${String(v)}": must be greater than or equal to 0`,
      });
    } else if (
      (k === 'pods' ||
        k.startsWith('count/') ||
        (CLASSIC_COUNTED as readonly string[]).includes(k)) &&
      n % 1000 !== 0
    ) {
      out.push({
        reason: 'FieldValueInvalid',
        field: `spec.hard[${k}]`,
        message: `Invalid value: "${String(v)}": must be an integer`,
      });
    }
  }
  for (const s of q.spec?.scopes ?? []) {
    if (!SUPPORTED_SCOPES.includes(s)) {
      out.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.scopes',
        message: `Unsupported value: "${s}": supported values: "${SUPPORTED_SCOPES.join('", "')}"`,
      });
    }
  }
  if ((q.spec?.scopeSelector?.matchExpressions ?? []).length > 0) {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scopeSelector',
      message: 'Unsupported value: scopeSelector is not supported by this server',
    });
  }
  return out;
}

/** The REQUEST or LIMIT column of `kubectl get quota` (`pods: 1/2, configmaps: 0/3`). */
function quotaColumn(q: ResourceQuota, limits: boolean): string {
  const used = q.status?.used ?? {};
  const hard = q.status?.hard ?? {};
  return Object.keys(q.spec?.hard ?? {})
    .sort()
    .filter((r) => r.startsWith('limits.') === limits)
    .map((r) => `${r}: ${used[r] ?? '0'}/${hard[r] ?? '0'}`)
    .join(', ');
}

/** `resourcequota` resource type (core/v1). */
export const resourceQuotaType: ResourceType<ResourceQuota> = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  subresources: { status: true },
  defaults: (o) => {
    o.spec ??= {};
  },
  validate: (o) => validateResourceQuota(o),
  printerColumns: [
    { name: 'Request', type: 'string', value: (q) => quotaColumn(q, false) },
    { name: 'Limit', type: 'string', value: (q) => quotaColumn(q, true) },
  ],
};
