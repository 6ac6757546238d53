/**
 * networking.k8s.io/v1 messages (k8s.io/api networking/v1 generated.proto numbering): the
 * Ingress `kubectl create ingress` posts, with every field of the Go types.
 */
import { kindMessage, specField, statusField } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const N = 'io.k8s.api.networking.v1.';

const typedLocalObjectReference: Schema = message(
  { name: 'io.k8s.api.core.v1.TypedLocalObjectReference' },
  {
    1: { name: 'apiGroup', type: 'string', optional: true },
    2: { name: 'kind', type: 'string', required: true },
    3: { name: 'name', type: 'string', required: true },
  },
);

const serviceBackendPort: Schema = message(
  { name: N + 'ServiceBackendPort' },
  {
    1: { name: 'name', type: 'string', description: 'Name of the service port.' },
    2: { name: 'number', type: 'int', description: 'Number of the service port.' },
  },
);

const ingressServiceBackend: Schema = message(
  { name: N + 'IngressServiceBackend' },
  {
    1: { name: 'name', type: 'string', required: true, description: 'Name of the Service.' },
    2: { name: 'port', type: () => serviceBackendPort, description: 'Port of the Service.' },
  },
);

const ingressBackend: Schema = message(
  { name: N + 'IngressBackend' },
  {
    3: { name: 'resource', type: () => typedLocalObjectReference },
    4: {
      name: 'service',
      type: () => ingressServiceBackend,
      description: 'Service traffic goes to.',
    },
  },
);

const httpIngressPath: Schema = message(
  { name: N + 'HTTPIngressPath' },
  {
    1: { name: 'path', type: 'string', description: 'Path matched against the request path.' },
    2: { name: 'backend', type: () => ingressBackend, required: true },
    3: {
      name: 'pathType',
      type: 'string',
      required: true,
      description: 'Exact, Prefix or ImplementationSpecific.',
    },
  },
);

const httpIngressRuleValue: Schema = message(
  { name: N + 'HTTPIngressRuleValue' },
  { 1: { name: 'paths', type: () => httpIngressPath, repeated: true, required: true } },
);

const ingressRuleValue: Schema = message(
  { name: N + 'IngressRuleValue' },
  { 1: { name: 'http', type: () => httpIngressRuleValue } },
);

const ingressRule: Schema = message(
  { name: N + 'IngressRule' },
  {
    1: { name: 'host', type: 'string', description: 'Host the rule applies to; all when empty.' },
    2: { name: 'ingressRuleValue', type: () => ingressRuleValue, inline: true },
  },
);

const ingressTls: Schema = message(
  { name: N + 'IngressTLS' },
  {
    1: { name: 'hosts', type: 'string', repeated: true },
    2: { name: 'secretName', type: 'string', description: 'Secret holding the certificate.' },
  },
);

const ingressSpec: Schema = message(
  { name: N + 'IngressSpec' },
  {
    1: {
      name: 'defaultBackend',
      type: () => ingressBackend,
      description: 'Backend of requests no rule matches.',
    },
    2: { name: 'tls', type: () => ingressTls, repeated: true },
    3: {
      name: 'rules',
      type: () => ingressRule,
      repeated: true,
      description: 'Host and path rules, each to a backend.',
    },
    4: {
      name: 'ingressClassName',
      type: 'string',
      optional: true,
      description: 'Name of the IngressClass of the controller that serves this Ingress.',
    },
  },
);

const ingressPortStatus: Schema = message(
  { name: N + 'IngressPortStatus' },
  {
    1: { name: 'port', type: 'int', required: true },
    2: { name: 'protocol', type: 'string', required: true },
    3: { name: 'error', type: 'string', optional: true },
  },
);

const loadBalancerIngress: Schema = message(
  { name: N + 'IngressLoadBalancerIngress' },
  {
    1: { name: 'ip', type: 'string' },
    2: { name: 'hostname', type: 'string' },
    4: { name: 'ports', type: () => ingressPortStatus, repeated: true },
  },
);

const loadBalancerStatus: Schema = message(
  { name: N + 'IngressLoadBalancerStatus' },
  { 1: { name: 'ingress', type: () => loadBalancerIngress, repeated: true } },
);

const ingressStatus: Schema = message(
  { name: N + 'IngressStatus' },
  { 1: { name: 'loadBalancer', type: () => loadBalancerStatus } },
);

/** networking.k8s.io/v1 kinds by `apiVersion/kind`. */
export const networkingSchemas: Record<string, Schema> = {
  'networking.k8s.io/v1/Ingress': kindMessage(
    N + 'Ingress',
    'Routes external HTTP(S) traffic by host and path to Services.',
    {
      2: specField(() => ingressSpec),
      3: statusField(() => ingressStatus),
    },
  ),
};
