/** networking.k8s.io/v1 Ingress and IngressClass: types, minimal validation, resource types. */
import type { KubeObject, StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { invalid } from './validation.js';

/** A backend: a Service (name + port number or name) or a typed resource reference. */
export interface IngressBackend {
  service?: { name: string; port?: { number?: number; name?: string } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

/** networking.k8s.io/v1 Ingress. */
export interface Ingress extends KubeObject {
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: {
      host?: string;
      http?: { paths: { path?: string; pathType?: string; backend: IngressBackend }[] };
    }[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** networking.k8s.io/v1 IngressClass (cluster-scoped). */
export interface IngressClass extends KubeObject {
  spec?: {
    controller?: string;
    parameters?: {
      apiGroup?: string;
      kind: string;
      name: string;
      namespace?: string;
      scope?: string;
    };
  };
}

/** The path types an Ingress path may have. */
export const INGRESS_PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;

function validateBackend(b: IngressBackend | undefined, path: string): StatusCause[] {
  if (!b || typeof b !== 'object') {
    return [{ reason: 'FieldValueRequired', field: path, message: 'Required value' }];
  }
  if (b.resource !== undefined) {
    return b.service === undefined
      ? []
      : [invalid(path, 'service and resource', 'cannot set both service and resource backends')];
  }
  const svc = b.service;
  if (!svc || typeof svc !== 'object') {
    return [{ reason: 'FieldValueRequired', field: `${path}.service`, message: 'Required value' }];
  }
  const out: StatusCause[] = [];
  if (typeof svc.name !== 'string' || svc.name === '') {
    out.push({
      reason: 'FieldValueRequired',
      field: `${path}.service.name`,
      message: 'Required value',
    });
  }
  const port = svc.port;
  const hasNumber = port?.number !== undefined;
  const hasName = port?.name !== undefined && port.name !== '';
  if (hasNumber === hasName) {
    out.push(
      invalid(`${path}.service.port`, port ?? null, 'exactly one of number or name must be set'),
    );
  } else if (hasNumber) {
    const n = port?.number;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
      out.push(invalid(`${path}.service.port.number`, n, 'must be between 1 and 65535, inclusive'));
    }
  }
  return out;
}

/** Validates an Ingress: path types, paths and backends (rules and defaultBackend). */
export function validateIngress(o: Ingress): StatusCause[] {
  const spec = o.spec as Ingress['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return [invalid('spec', spec, 'Required value')];
  const out: StatusCause[] = [];
  if (spec.defaultBackend !== undefined) {
    out.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  } else if ((spec.rules ?? []).length === 0) {
    out.push(
      invalid(
        'spec.rules',
        spec.rules ?? [],
        'either `defaultBackend` or `rules` must be specified',
      ),
    );
  }
  (spec.rules ?? []).forEach((rule, i) => {
    (rule.http?.paths ?? []).forEach((p, j) => {
      const at = `spec.rules[${String(i)}].http.paths[${String(j)}]`;
      if (p.pathType === undefined) {
        out.push({
          reason: 'FieldValueRequired',
          field: `${at}.pathType`,
          message: 'Required value: pathType must be specified',
        });
      } else if (!(INGRESS_PATH_TYPES as readonly string[]).includes(p.pathType)) {
        out.push({
          reason: 'FieldValueNotSupported',
          field: `${at}.pathType`,
          message: `Unsupported value: "${p.pathType}": supported values: ${INGRESS_PATH_TYPES.map((t) => `"${t}"`).join(', ')}`,
        });
      } else if (p.pathType !== 'ImplementationSpecific' && !(p.path ?? '').startsWith('/')) {
        out.push(invalid(`${at}.path`, p.path ?? '', 'must be an absolute path'));
      }
      out.push(...validateBackend(p.backend, `${at}.backend`));
    });
  });
  return out;
}

/** ADDRESS column: load-balancer IPs and hostnames. */
const addresses = (i: Ingress): string =>
  (i.status?.loadBalancer?.ingress ?? []).map((a) => a.ip ?? a.hostname ?? '').join(',');

/** `ingress` resource type (networking.k8s.io/v1). */
export const ingressType: ResourceType<Ingress> = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  subresources: { status: true },
  validate: (o) => validateIngress(o),
  printerColumns: [
    { name: 'Class', type: 'string', value: (i) => i.spec.ingressClassName ?? '<none>' },
    {
      name: 'Hosts',
      type: 'string',
      value: (i) => (i.spec.rules ?? []).map((r) => r.host ?? '*').join(',') || '*',
    },
    { name: 'Address', type: 'string', value: addresses },
    {
      name: 'Ports',
      type: 'string',
      value: (i) => ((i.spec.tls ?? []).length > 0 ? '80, 443' : '80'),
    },
  ],
};

/** `ingressclass` resource type (networking.k8s.io/v1, cluster-scoped). */
export const ingressClassType: ResourceType<IngressClass> = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  validate: (o) =>
    typeof o.spec?.controller === 'string' && o.spec.controller !== ''
      ? []
      : [{ reason: 'FieldValueRequired', field: 'spec.controller', message: 'Required value' }],
  printerColumns: [
    { name: 'Controller', type: 'string', value: (c) => c.spec?.controller },
    {
      name: 'Parameters',
      type: 'string',
      value: (c) =>
        c.spec?.parameters ? `${c.spec.parameters.kind}/${c.spec.parameters.name}` : '<none>',
    },
  ],
};
