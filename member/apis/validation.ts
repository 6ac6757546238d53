import type { StatusCause } from '../../federation/apis/meta.js';
import type { Container, PodSpec, PodTemplateSpec, LabelSelectorSpec } from './core-types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A required-value cause. */
export function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

/** An invalid-value cause. */
export function invalid(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

function validateContainer(c: Container, path: string, names: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  if (typeof c.name !== 'string' || c.name === '') out.push(required(`${path}.name`));
  else if (!DNS1123_LABEL.test(c.name) || c.name.length > 63) out.push(invalid(`${path}.name`, c.name, 'must be a DNS-1123 label'));
  else if (names.has(c.name)) out.push({ reason: 'FieldValueDuplicate', field: `${path}.name`, message: `Duplicate value: "${c.name}"` });
  else names.add(c.name);
  if (typeof c.image !== 'string' || c.image.trim() === '') out.push(required(`${path}.image`));
  (c.ports ?? []).forEach((p, i) => {
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
      out.push(invalid(`${path}.ports[${String(i)}].containerPort`, p.containerPort, 'must be between 1 and 65535'));
    }
    if (p.hostPort !== undefined && (!Number.isInteger(p.hostPort) || p.hostPort < 1 || p.hostPort > 65535)) {
      out.push(invalid(`${path}.ports[${String(i)}].hostPort`, p.hostPort, 'must be between 1 and 65535'));
    }
  });
  return out;
}

/** Validates a PodSpec. */
export function validatePodSpec(spec: PodSpec | undefined, path: string): StatusCause[] {
  if (!spec || typeof spec !== 'object') return [required(path)];
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) return [required(`${path}.containers`)];
  const names = new Set<string>();
  const out = spec.containers.flatMap((c, i) => validateContainer(c, `${path}.containers[${String(i)}]`, names));
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) {
    out.push({ reason: 'FieldValueNotSupported', field: `${path}.restartPolicy`, message: `Unsupported value: "${spec.restartPolicy}"` });
  }
  return out;
}

/** Validates replicas + selector + template of a Deployment/ReplicaSet spec. */
export function validateWorkloadSpec(
  spec: { replicas?: number; selector?: LabelSelectorSpec; template?: PodTemplateSpec } | undefined,
  requireRestartAlways: boolean,
): StatusCause[] {
  if (!spec || typeof spec !== 'object') return [required('spec')];
  const out: StatusCause[] = [];
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    out.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  const ml = spec.selector?.matchLabels;
  if (!spec.selector || ((ml === undefined || Object.keys(ml).length === 0) && (spec.selector.matchExpressions ?? []).length === 0)) {
    out.push(required('spec.selector'));
  } else {
    const labels = spec.template?.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(ml ?? {})) {
      if (labels[k] !== v) {
        out.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
        break;
      }
    }
  }
  if (!spec.template) out.push(required('spec.template'));
  else {
    out.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
    const rp = spec.template.spec?.restartPolicy;
    if (requireRestartAlways && rp !== undefined && rp !== 'Always') {
      out.push({ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: "${rp}": supported values: "Always"` });
    }
  }
  return out;
}

/** Fills Kubernetes defaults into a PodSpec in place. */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec || !Array.isArray(spec.containers)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  for (const c of spec.containers) {
    if (typeof c.image === 'string') {
      const tagless = !/:[^/]+$/.test(c.image.split('@')[0] ?? '') && !c.image.includes('@');
      c.imagePullPolicy ??= tagless || c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
    }
    c.terminationMessagePath ??= '/dev/termination-log';
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
}
