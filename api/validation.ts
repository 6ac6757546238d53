import type { StatusCause } from '../machinery/meta.js';
import type {
  Container,
  Deployment,
  LabelSelectorSpec,
  PodSpec,
  PodTemplateSpec,
  Service,
} from './core-types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A required-value cause. */
export function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

/** An invalid-value cause. */
export function invalid(field: string, value: unknown, why: string): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
  };
}

function validateContainer(c: Container, path: string, names: Set<string>): StatusCause[] {
  const out: StatusCause[] = [];
  if (typeof c.name !== 'string' || c.name === '') out.push(required(`${path}.name`));
  else if (!DNS1123_LABEL.test(c.name) || c.name.length > 63) {
    out.push(invalid(`${path}.name`, c.name, 'must be a DNS-1123 label'));
  } else if (names.has(c.name)) {
    out.push({
      reason: 'FieldValueDuplicate',
      field: `${path}.name`,
      message: `Duplicate value: "${c.name}"`,
    });
  } else names.add(c.name);
  if (typeof c.image !== 'string' || c.image.trim() === '') out.push(required(`${path}.image`));
  (c.ports ?? []).forEach((p, i) => {
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
      out.push(
        invalid(
          `${path}.ports[${String(i)}].containerPort`,
          p.containerPort,
          'must be between 1 and 65535',
        ),
      );
    }
    if (
      p.name !== undefined &&
      (p.name.length > 15 || !PORT_NAME.test(p.name) || !/[a-z]/.test(p.name))
    ) {
      out.push(
        invalid(
          `${path}.ports[${String(i)}].name`,
          p.name,
          "must be an IANA_SVC_NAME (at most 15 characters, lower-case alphanumerics or '-')",
        ),
      );
    }
    if (
      p.hostPort !== undefined &&
      (!Number.isInteger(p.hostPort) || p.hostPort < 1 || p.hostPort > 65535)
    ) {
      out.push(
        invalid(`${path}.ports[${String(i)}].hostPort`, p.hostPort, 'must be between 1 and 65535'),
      );
    }
  });
  return out;
}

/** Validates a PodSpec. */
export function validatePodSpec(spec: PodSpec | undefined, path: string): StatusCause[] {
  if (!spec || typeof spec !== 'object') return [required(path)];
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) {
    return [required(`${path}.containers`)];
  }
  const names = new Set<string>();
  const out = spec.containers.flatMap((c, i) =>
    validateContainer(c, `${path}.containers[${String(i)}]`, names),
  );
  for (const f of ['hostname', 'subdomain'] as const) {
    const v = spec[f];
    if (v !== undefined && (v.length > 63 || !DNS1123_LABEL.test(v))) {
      out.push(invalid(`${path}.${f}`, v, 'must be a DNS-1123 label'));
    }
  }
  if (
    spec.restartPolicy !== undefined &&
    !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)
  ) {
    out.push({
      reason: 'FieldValueNotSupported',
      field: `${path}.restartPolicy`,
      message: `Unsupported value: "${spec.restartPolicy}"`,
    });
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
  if (
    !spec.selector ||
    ((ml === undefined || Object.keys(ml).length === 0) &&
      (spec.selector.matchExpressions ?? []).length === 0)
  ) {
    out.push(required('spec.selector'));
  } else {
    const labels = spec.template?.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(ml ?? {})) {
      if (labels[k] !== v) {
        out.push(
          invalid(
            'spec.template.metadata.labels',
            labels,
            '`selector` does not match template `labels`',
          ),
        );
        break;
      }
    }
  }
  if (!spec.template) out.push(required('spec.template'));
  else {
    out.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
    const rp = spec.template.spec?.restartPolicy;
    if (requireRestartAlways && rp !== undefined && rp !== 'Always') {
      out.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.template.spec.restartPolicy',
        message: `Unsupported value: "${rp}": supported values: "Always"`,
      });
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
  // ephemeral containers (kubectl debug) get the same image pull policy and termination path
  const ephemeral = Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : [];
  for (const c of [...spec.containers, ...ephemeral]) {
    if (typeof c.image === 'string') {
      const tagless = !/:[^/]+$/.test(c.image.split('@')[0] ?? '') && !c.image.includes('@');
      c.imagePullPolicy ??= tagless || c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
    }
    c.terminationMessagePath ??= '/dev/termination-log';
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
}

function validPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** An IANA_SVC_NAME (named port): ≤15 chars, lower-case alphanumerics and '-', at least one letter. */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates a Service: type, ports (range, names, targetPort), immutable clusterIP. */
export function validateServiceSpec(svc: Service, old: Service | undefined): StatusCause[] {
  const spec = svc.spec as Service['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return [required('spec')];
  const out: StatusCause[] = [];
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (spec.type !== undefined && !types.includes(spec.type)) {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.type',
      message: `Unsupported value: "${String(spec.type)}"`,
    });
  }
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) out.push(required('spec.externalName'));
    return out;
  }
  const ports = spec.ports ?? [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `spec.ports[${String(i)}]`;
    if (!validPort(p.port)) {
      out.push(invalid(`${f}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    }
    const tp = p.targetPort;
    if (typeof tp === 'number' && !validPort(tp)) {
      out.push(invalid(`${f}.targetPort`, tp, 'must be between 1 and 65535, inclusive'));
    }
    if (typeof tp === 'string' && !/^\d+$/.test(tp) && (tp.length > 15 || !PORT_NAME.test(tp))) {
      out.push(invalid(`${f}.targetPort`, tp, 'must be a port number or an IANA_SVC_NAME'));
    }
    if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) {
      out.push({
        reason: 'FieldValueNotSupported',
        field: `${f}.protocol`,
        message: `Unsupported value: "${String(p.protocol)}"`,
      });
    }
    if (p.name !== undefined) {
      if (names.has(p.name)) {
        out.push({
          reason: 'FieldValueDuplicate',
          field: `${f}.name`,
          message: `Duplicate value: "${p.name}"`,
        });
      }
      names.add(p.name);
    } else if (ports.length > 1) out.push(required(`${f}.name`));
  });
  const oldIp = old?.spec.clusterIP;
  if (oldIp && spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== oldIp) {
    out.push(invalid('spec.clusterIP', spec.clusterIP, 'field is immutable'));
  }
  return out;
}

/** Validates a Deployment's strategy, history limit and progress deadline. */
export function validateDeploymentStrategy(d: Deployment): StatusCause[] {
  const spec = d.spec as Deployment['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return [];
  const out: StatusCause[] = [];
  const st = spec.strategy;
  if (st?.type !== undefined && st.type !== 'RollingUpdate' && st.type !== 'Recreate') {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.strategy.type',
      message: `Unsupported value: "${String(st.type)}"`,
    });
  }
  if (st?.type === 'Recreate' && st.rollingUpdate !== undefined) {
    out.push({
      reason: 'FieldValueForbidden',
      field: 'spec.strategy.rollingUpdate',
      message: "may not be specified when strategy `type` is 'Recreate'",
    });
  }
  const ru = st?.rollingUpdate;
  const isZero = (v: number | string | undefined): boolean => v === 0 || v === '0%' || v === '0';
  for (const f of ['maxSurge', 'maxUnavailable'] as const) {
    const v = ru?.[f];
    if (
      v !== undefined &&
      !(typeof v === 'number' ? Number.isInteger(v) && v >= 0 : /^\d+%$/.test(v))
    ) {
      out.push(
        invalid(
          `spec.strategy.rollingUpdate.${f}`,
          v,
          'must be a non-negative integer or percentage',
        ),
      );
    }
  }
  if (ru && isZero(ru.maxSurge) && isZero(ru.maxUnavailable)) {
    out.push(
      invalid(
        'spec.strategy.rollingUpdate.maxUnavailable',
        ru.maxUnavailable,
        'may not be 0 when `maxSurge` is 0',
      ),
    );
  }
  if (
    spec.revisionHistoryLimit !== undefined &&
    (!Number.isInteger(spec.revisionHistoryLimit) || spec.revisionHistoryLimit < 0)
  ) {
    out.push(
      invalid(
        'spec.revisionHistoryLimit',
        spec.revisionHistoryLimit,
        'must be greater than or equal to 0',
      ),
    );
  }
  if (
    spec.progressDeadlineSeconds !== undefined &&
    !(spec.progressDeadlineSeconds > (spec.minReadySeconds ?? 0))
  ) {
    out.push(
      invalid(
        'spec.progressDeadlineSeconds',
        spec.progressDeadlineSeconds,
        'must be greater than minReadySeconds',
      ),
    );
  }
  return out;
}
