/**
 * Ephemeral containers (`kubectl debug`): what `spec.ephemeralContainers` may hold, and the rule
 * that only the `pods/ephemeralcontainers` subresource (RBAC `patch`/`update` on it, separate from
 * pods update, as in Kubernetes) changes it, and only by adding entries.
 */
import { InvalidError } from '../machinery/errors/index.js';
import type { StatusCause } from '../machinery/meta.js';
import type { UpdateAdmissionContext } from '../machinery/resource-type.js';
import type { EphemeralContainer, Pod, PodSpec } from './core-types.js';
import { keepPodPriority } from './scheduling-types.js';
import { invalid, required } from './validation.js';

/** The subresource's name (`/api/v1/namespaces/<ns>/pods/<name>/ephemeralcontainers`). */
export const EPHEMERAL_CONTAINERS = 'ephemeralcontainers';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Container fields an ephemeral container may not set (Kubernetes' `validateEphemeralContainers`). */
const FORBIDDEN_FIELDS = [
  'ports',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'resources',
  'resizePolicy',
  'restartPolicy',
] as const;

const forbidden = (field: string, why: string): StatusCause => ({
  reason: 'FieldValueForbidden',
  field,
  message: `Forbidden: ${why}`,
});

/** Whether `v` is set in the sense of Go's zero values (`resources: {}` is unset). */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.values(v).some(isSet);
  return true;
}

/** Problems of one ephemeral container at `path` (names of the pod's other containers in `names`). */
function validateOne(c: EphemeralContainer, path: string, spec: PodSpec, names: Set<string>) {
  const out: StatusCause[] = [];
  if (typeof c.name !== 'string' || c.name === '') out.push(required(`${path}.name`));
  else if (c.name.length > 63 || !DNS1123_LABEL.test(c.name)) {
    out.push(invalid(`${path}.name`, c.name, 'must be a DNS-1123 label'));
  } else if (names.has(c.name)) {
    out.push({
      reason: 'FieldValueDuplicate',
      field: `${path}.name`,
      message: `Duplicate value: "${c.name}"`,
    });
  } else names.add(c.name);
  if (typeof c.image !== 'string' || c.image.trim() === '') out.push(required(`${path}.image`));
  const fields = c as unknown as Record<string, unknown>;
  for (const f of FORBIDDEN_FIELDS) {
    if (isSet(fields[f])) {
      out.push(forbidden(`${path}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
  }
  (c.env ?? []).forEach((e, i) => {
    if (typeof e.name !== 'string' || e.name === '') {
      out.push(required(`${path}.env[${String(i)}].name`));
    }
  });
  const target = c.targetContainerName;
  if (target !== undefined && target !== '') {
    const known = [
      ...spec.containers,
      ...((spec as { initContainers?: { name: string }[] }).initContainers ?? []),
    ];
    if (!known.some((k) => k.name === target)) {
      out.push({
        reason: 'FieldValueNotFound',
        field: `${path}.targetContainerName`,
        message: `Not found: "${target}"`,
      });
    }
  }
  return out;
}

/**
 * Every problem of `spec.ephemeralContainers`: names (DNS labels, unique among all the pod's
 * containers), images, no ports/probes/lifecycle/resources, a target that is one of the pod's
 * containers; with `old`, the entries it had may not be changed or removed.
 */
export function validateEphemeralContainers(spec: PodSpec, old?: PodSpec): StatusCause[] {
  const list = spec.ephemeralContainers ?? [];
  const path = 'spec.ephemeralContainers';
  if (!Array.isArray(list)) return [invalid(path, list, 'must be a list')];
  const names = new Set<string>([
    ...(Array.isArray(spec.containers) ? spec.containers.map((c) => c.name) : []),
    ...((spec as { initContainers?: { name: string }[] }).initContainers ?? []).map((c) => c.name),
  ]);
  const out = list.flatMap((c, i) => validateOne(c, `${path}[${String(i)}]`, spec, names));
  // a new pod has none: they are added to running pods only
  if (!old && list.length > 0) out.push(forbidden(path, 'cannot be set on create'));
  for (const before of old?.ephemeralContainers ?? []) {
    const now = list.find((c) => c.name === before.name);
    if (!now) {
      out.push({
        reason: 'FieldValueNotFound',
        field: path,
        message: `Not found: "${before.name}"`,
      });
    } else if (JSON.stringify(sorted(now)) !== JSON.stringify(sorted(before))) {
      out.push(
        forbidden(
          `${path}[${before.name}]`,
          `existing ephemeral containers "${before.name}" may not be changed`,
        ),
      );
    }
  }
  return out;
}

/** `v` with its object keys in order (patches reorder keys; equality is semantic). */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, sorted(o[k])]),
  );
}

/**
 * The pods type's update admission: only `pods/ephemeralcontainers` changes
 * `spec.ephemeralContainers` (a pods update that does is 422, as Kubernetes' "pod updates may not
 * change fields" rule), so RBAC on the subresource alone decides who adds debug containers.
 */
export function admitPodUpdate(pod: Pod, old: Pod, ctx: UpdateAdmissionContext): void {
  // Priority admission on update: what it set at create stays
  keepPodPriority(pod, old);
  if (ctx.subresource === EPHEMERAL_CONTAINERS) return;
  const now = JSON.stringify(sorted(pod.spec.ephemeralContainers ?? []));
  if (now === JSON.stringify(sorted(old.spec.ephemeralContainers ?? []))) return;
  const name = old.metadata.name ?? '';
  const message =
    'pod updates may not change spec.ephemeralContainers: use the ephemeralcontainers subresource';
  throw new InvalidError(`Pod "${name}" is invalid: spec: Forbidden: ${message}`, {
    kind: 'Pod',
    group: '',
    name,
    causes: [forbidden('spec', message)],
  });
}

/**
 * Every container name of the pod: its containers, init containers and ephemeral containers
 * (what exec, attach and logs accept as `container`).
 */
export function podContainerNames(pod: Pod): string[] {
  const spec = pod.spec as PodSpec & { initContainers?: { name: string }[] };
  return [
    ...spec.containers.map((c) => c.name),
    ...(spec.initContainers ?? []).map((c) => c.name),
    ...(spec.ephemeralContainers ?? []).map((c) => c.name),
  ];
}
