/**
 * core/v1 messages (k8s.io/api core/v1/generated.proto numbering): the kinds `kubectl create`
 * posts (Namespace, ConfigMap, Secret, ServiceAccount, Service), Pod and PodTemplate (PodSpec in
 * pod-spec-schemas.ts). Fields a typed kubectl command never sets may be missing; they are skipped.
 */
import { kindMessage, labelSelector, specField, statusField } from './meta-schemas.js';
import { podSpec, podTemplateSpec } from './pod-spec-schemas.js';
import { localObjectReference } from './container-env-schemas.js';
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

const servicePort: Schema = message(
  { name: 'io.k8s.api.core.v1.ServicePort' },
  {
    1: {
      name: 'name',
      type: 'string',
      description: 'Name of the port, required when the service has more than one.',
    },
    2: { name: 'protocol', type: 'string', description: 'TCP, UDP or SCTP. Defaults to TCP.' },
    3: { name: 'port', type: 'int', required: true, description: 'Port the service exposes.' },
    4: {
      name: 'targetPort',
      type: 'intOrString',
      description: 'Number or name of the port on the pods; defaults to port.',
    },
    5: {
      name: 'nodePort',
      type: 'int',
      description: 'Port on every node when type is NodePort or LoadBalancer.',
    },
    6: { name: 'appProtocol', type: 'string', optional: true },
  },
);

const serviceSpec: Schema = message(
  { name: 'io.k8s.api.core.v1.ServiceSpec', open: true },
  {
    1: {
      name: 'ports',
      type: () => servicePort,
      repeated: true,
      description: 'Ports the service exposes.',
    },
    2: {
      name: 'selector',
      type: 'string',
      map: true,
      description: 'Traffic goes to pods whose labels match these.',
    },
    3: {
      name: 'clusterIP',
      type: 'string',
      description: 'Virtual IP of the service; allocated when empty, None for a headless service.',
    },
    4: {
      name: 'type',
      type: 'string',
      description: 'ClusterIP, NodePort, LoadBalancer or ExternalName. Defaults to ClusterIP.',
    },
    5: { name: 'externalIPs', type: 'string', repeated: true },
    7: { name: 'sessionAffinity', type: 'string' },
    10: { name: 'externalName', type: 'string' },
    11: { name: 'externalTrafficPolicy', type: 'string' },
    13: { name: 'publishNotReadyAddresses', type: 'bool' },
    18: { name: 'clusterIPs', type: 'string', repeated: true },
  },
);

/** core/v1 ObjectReference (also events.k8s.io/v1 `regarding` and `related`). */
export const objectReference: Schema = message(
  { name: 'io.k8s.api.core.v1.ObjectReference', open: true },
  {
    1: { name: 'kind', type: 'string' },
    2: { name: 'namespace', type: 'string' },
    3: { name: 'name', type: 'string' },
    4: { name: 'uid', type: 'string' },
    5: { name: 'apiVersion', type: 'string' },
    6: { name: 'resourceVersion', type: 'string' },
    7: { name: 'fieldPath', type: 'string' },
  },
);

const namespaceSpec: Schema = message(
  { name: C + 'NamespaceSpec' },
  { 1: { name: 'finalizers', type: 'string', repeated: true } },
);

const namespaceStatus: Schema = message(
  { name: C + 'NamespaceStatus', open: true },
  { 1: { name: 'phase', type: 'string', description: 'Active or Terminating.' } },
);

/** core/v1 kinds by kind name (apiVersion v1). */
export const coreSchemas: Record<string, Schema> = {
  Namespace: kindMessage(
    C + 'Namespace',
    'A scope for names: most namespaced objects live in one.',
    {
      2: specField(() => namespaceSpec),
      3: statusField(() => namespaceStatus),
    },
  ),
  ConfigMap: kindMessage(
    C + 'ConfigMap',
    'Holds non-confidential key/value configuration for pods.',
    {
      2: {
        name: 'data',
        type: 'string',
        map: true,
        description: 'Configuration data, key to UTF-8 string.',
      },
      3: {
        name: 'binaryData',
        type: 'bytes',
        map: true,
        description: 'Binary configuration data, key to base64 bytes.',
      },
      4: {
        name: 'immutable',
        type: 'bool',
        optional: true,
        description: 'When true, data cannot be changed after creation.',
      },
    },
  ),
  Secret: kindMessage(
    C + 'Secret',
    'Holds confidential data (passwords, tokens, keys) for pods, base64-encoded in data.',
    {
      2: {
        name: 'data',
        type: 'bytes',
        map: true,
        description: 'Secret data, key to base64-encoded bytes.',
      },
      3: {
        name: 'type',
        type: 'string',
        description: 'Type of the secret, e.g. Opaque or kubernetes.io/tls; selects validation.',
      },
      4: {
        name: 'stringData',
        type: 'string',
        map: true,
        description: 'Write-only convenience: keys to plain strings, merged into data.',
      },
      5: { name: 'immutable', type: 'bool', optional: true },
    },
  ),
  ServiceAccount: kindMessage(C + 'ServiceAccount', 'An identity for processes that run in pods.', {
    2: { name: 'secrets', type: () => objectReference, repeated: true },
    3: { name: 'imagePullSecrets', type: () => localObjectReference, repeated: true },
    4: { name: 'automountServiceAccountToken', type: 'bool', optional: true },
  }),
  Service: kindMessage(
    C + 'Service',
    'A stable name and virtual IP for a set of pods chosen by a label selector.',
    {
      2: specField(() => serviceSpec),
      3: statusField(() => ({})),
    },
  ),
  Pod: kindMessage(
    C + 'Pod',
    'A group of containers that run together on one node and share network and volumes.',
    {
      2: specField(() => podSpec),
      3: statusField(() => ({})),
    },
  ),
  PodTemplate: kindMessage(C + 'PodTemplate', 'A stored pod template.', {
    2: { name: 'template', type: () => podTemplateSpec },
  }),
};

/** Re-exported so workload schemas need only this module. */
export { labelSelector, podSpec, podTemplateSpec };
