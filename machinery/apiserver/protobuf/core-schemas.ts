/**
 * core/v1 messages (k8s.io/api core/v1/generated.proto numbering): the kinds `kubectl create`
 * posts (Namespace, ConfigMap, Secret, ServiceAccount, Service) and the pod template every
 * workload kind embeds. Fields a typed kubectl command never sets may be missing; they are skipped.
 */
import { labelSelector, objectMeta, withMeta } from './meta-schemas.js';
import type { Schema } from './schema.js';

const localObjectReference: Schema = { 1: { name: 'name', type: 'string' } };

const keySelector: Schema = {
  1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
  2: { name: 'key', type: 'string' },
  3: { name: 'optional', type: 'bool', optional: true },
};

const objectFieldSelector: Schema = {
  1: { name: 'apiVersion', type: 'string' },
  2: { name: 'fieldPath', type: 'string' },
};

const resourceFieldSelector: Schema = {
  1: { name: 'containerName', type: 'string' },
  2: { name: 'resource', type: 'string' },
  3: { name: 'divisor', type: 'quantity' },
};

const envVarSource: Schema = {
  1: { name: 'fieldRef', type: () => objectFieldSelector },
  2: { name: 'resourceFieldRef', type: () => resourceFieldSelector },
  3: { name: 'configMapKeyRef', type: () => keySelector },
  4: { name: 'secretKeyRef', type: () => keySelector },
};

const envVar: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'value', type: 'string' },
  3: { name: 'valueFrom', type: () => envVarSource },
};

// ConfigMapEnvSource / SecretEnvSource: the reference inline, then `optional`
const envSource: Schema = {
  1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
  2: { name: 'optional', type: 'bool', optional: true },
};

const envFromSource: Schema = {
  1: { name: 'prefix', type: 'string' },
  2: { name: 'configMapRef', type: () => envSource },
  3: { name: 'secretRef', type: () => envSource },
};

const containerPort: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'hostPort', type: 'int' },
  3: { name: 'containerPort', type: 'int' },
  4: { name: 'protocol', type: 'string' },
  5: { name: 'hostIP', type: 'string' },
};

const resourceRequirements: Schema = {
  1: { name: 'limits', type: 'quantity', map: true },
  2: { name: 'requests', type: 'quantity', map: true },
};

const volumeMount: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'readOnly', type: 'bool' },
  3: { name: 'mountPath', type: 'string' },
  4: { name: 'subPath', type: 'string' },
};

/** core/v1 Container. */
export const container: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'image', type: 'string' },
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: { name: 'workingDir', type: 'string' },
  6: { name: 'ports', type: () => containerPort, repeated: true },
  7: { name: 'env', type: () => envVar, repeated: true },
  8: { name: 'resources', type: () => resourceRequirements },
  9: { name: 'volumeMounts', type: () => volumeMount, repeated: true },
  13: { name: 'terminationMessagePath', type: 'string' },
  14: { name: 'imagePullPolicy', type: 'string' },
  16: { name: 'stdin', type: 'bool' },
  17: { name: 'stdinOnce', type: 'bool' },
  18: { name: 'tty', type: 'bool' },
  19: { name: 'envFrom', type: () => envFromSource, repeated: true },
  20: { name: 'terminationMessagePolicy', type: 'string' },
};

const emptyDir: Schema = {
  1: { name: 'medium', type: 'string' },
  2: { name: 'sizeLimit', type: 'quantity' },
};

const secretVolume: Schema = {
  1: { name: 'secretName', type: 'string' },
  3: { name: 'defaultMode', type: 'int', optional: true },
  4: { name: 'optional', type: 'bool', optional: true },
};

const configMapVolume: Schema = {
  1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
  3: { name: 'defaultMode', type: 'int', optional: true },
  4: { name: 'optional', type: 'bool', optional: true },
};

const volumeSource: Schema = {
  2: { name: 'emptyDir', type: () => emptyDir },
  6: { name: 'secret', type: () => secretVolume },
  19: { name: 'configMap', type: () => configMapVolume },
};

const volume: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'volumeSource', type: () => volumeSource, inline: true },
};

const toleration: Schema = {
  1: { name: 'key', type: 'string' },
  2: { name: 'operator', type: 'string' },
  3: { name: 'value', type: 'string' },
  4: { name: 'effect', type: 'string' },
  5: { name: 'tolerationSeconds', type: 'int', optional: true },
};

/** core/v1 PodSpec. */
export const podSpec: Schema = {
  1: { name: 'volumes', type: () => volume, repeated: true },
  2: { name: 'containers', type: () => container, repeated: true },
  3: { name: 'restartPolicy', type: 'string' },
  4: { name: 'terminationGracePeriodSeconds', type: 'int', optional: true },
  5: { name: 'activeDeadlineSeconds', type: 'int', optional: true },
  6: { name: 'dnsPolicy', type: 'string' },
  7: { name: 'nodeSelector', type: 'string', map: true },
  8: { name: 'serviceAccountName', type: 'string' },
  9: { name: 'serviceAccount', type: 'string' },
  10: { name: 'nodeName', type: 'string' },
  11: { name: 'hostNetwork', type: 'bool' },
  15: { name: 'imagePullSecrets', type: () => localObjectReference, repeated: true },
  16: { name: 'hostname', type: 'string' },
  17: { name: 'subdomain', type: 'string' },
  19: { name: 'schedulerName', type: 'string' },
  20: { name: 'initContainers', type: () => container, repeated: true },
  21: { name: 'automountServiceAccountToken', type: 'bool', optional: true },
  22: { name: 'tolerations', type: () => toleration, repeated: true },
  24: { name: 'priorityClassName', type: 'string' },
  25: { name: 'priority', type: 'int', optional: true },
};

/** core/v1 PodTemplateSpec. */
export const podTemplateSpec: Schema = {
  1: { name: 'metadata', type: () => objectMeta },
  2: { name: 'spec', type: () => podSpec },
};

const servicePort: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'protocol', type: 'string' },
  3: { name: 'port', type: 'int' },
  4: { name: 'targetPort', type: 'intOrString' },
  5: { name: 'nodePort', type: 'int' },
  6: { name: 'appProtocol', type: 'string', optional: true },
};

const serviceSpec: Schema = {
  1: { name: 'ports', type: () => servicePort, repeated: true },
  2: { name: 'selector', type: 'string', map: true },
  3: { name: 'clusterIP', type: 'string' },
  4: { name: 'type', type: 'string' },
  5: { name: 'externalIPs', type: 'string', repeated: true },
  7: { name: 'sessionAffinity', type: 'string' },
  10: { name: 'externalName', type: 'string' },
  11: { name: 'externalTrafficPolicy', type: 'string' },
  13: { name: 'publishNotReadyAddresses', type: 'bool' },
  18: { name: 'clusterIPs', type: 'string', repeated: true },
};

const objectReference: Schema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'namespace', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
};

/** core/v1 kinds by kind name (apiVersion v1). */
export const coreSchemas: Record<string, Schema> = {
  Namespace: withMeta({
    2: {
      name: 'spec',
      type: () => ({ 1: { name: 'finalizers', type: 'string', repeated: true } }),
    },
    3: { name: 'status', type: () => ({ 1: { name: 'phase', type: 'string' } }) },
  }),
  ConfigMap: withMeta({
    2: { name: 'data', type: 'string', map: true },
    3: { name: 'binaryData', type: 'bytes', map: true },
    4: { name: 'immutable', type: 'bool', optional: true },
  }),
  Secret: withMeta({
    2: { name: 'data', type: 'bytes', map: true },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'string', map: true },
    5: { name: 'immutable', type: 'bool', optional: true },
  }),
  ServiceAccount: withMeta({
    2: { name: 'secrets', type: () => objectReference, repeated: true },
    3: { name: 'imagePullSecrets', type: () => localObjectReference, repeated: true },
    4: { name: 'automountServiceAccountToken', type: 'bool', optional: true },
  }),
  Service: withMeta({
    2: { name: 'spec', type: () => serviceSpec },
    3: { name: 'status', type: () => ({}) },
  }),
  Pod: withMeta({
    2: { name: 'spec', type: () => podSpec },
    3: { name: 'status', type: () => ({}) },
  }),
  PodTemplate: withMeta({ 2: { name: 'template', type: () => podTemplateSpec } }),
};

/** Re-exported so workload schemas need only this module. */
export { labelSelector };
