/**
 * core/v1 messages (k8s.io/api core/v1/generated.proto numbering): the kinds `kubectl create`
 * posts (Namespace, ConfigMap, Secret, ServiceAccount, Service) and the pod template every
 * workload kind embeds. Fields a typed kubectl command never sets may be missing; they are skipped.
 */
import { kindMessage, labelSelector, objectMeta, specField, statusField } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

const localObjectReference: Schema = message(
  { name: C + 'LocalObjectReference' },
  { 1: { name: 'name', type: 'string', description: 'Name of the referent.' } },
);

const keySelector: Schema = message(
  { name: 'io.k8s.api.core.v1.ConfigMapKeySelector' },
  {
    1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
    2: { name: 'key', type: 'string' },
    3: { name: 'optional', type: 'bool', optional: true },
  },
);

const secretKeySelector: Schema = message(
  { name: 'io.k8s.api.core.v1.SecretKeySelector' },
  { ...keySelector },
);

const objectFieldSelector: Schema = message(
  { name: 'io.k8s.api.core.v1.ObjectFieldSelector' },
  {
    1: { name: 'apiVersion', type: 'string' },
    2: { name: 'fieldPath', type: 'string' },
  },
);

const resourceFieldSelector: Schema = message(
  { name: 'io.k8s.api.core.v1.ResourceFieldSelector' },
  {
    1: { name: 'containerName', type: 'string' },
    2: { name: 'resource', type: 'string' },
    3: { name: 'divisor', type: 'quantity' },
  },
);

const envVarSource: Schema = message(
  { name: 'io.k8s.api.core.v1.EnvVarSource' },
  {
    1: { name: 'fieldRef', type: () => objectFieldSelector },
    2: { name: 'resourceFieldRef', type: () => resourceFieldSelector },
    3: { name: 'configMapKeyRef', type: () => keySelector },
    4: { name: 'secretKeyRef', type: () => secretKeySelector },
  },
);

const envVar: Schema = message(
  { name: 'io.k8s.api.core.v1.EnvVar' },
  {
    1: {
      name: 'name',
      type: 'string',
      required: true,
      description: 'Name of the environment variable.',
    },
    2: {
      name: 'value',
      type: 'string',
      description: 'Value of the variable; $(VAR) references are expanded.',
    },
    3: {
      name: 'valueFrom',
      type: () => envVarSource,
      description: 'Where the value comes from when value is not set.',
    },
  },
);

// ConfigMapEnvSource / SecretEnvSource: the reference inline, then `optional`
const envSource: Schema = message(
  { name: 'io.k8s.api.core.v1.ConfigMapEnvSource' },
  {
    1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
    2: { name: 'optional', type: 'bool', optional: true },
  },
);

const secretEnvSource: Schema = message(
  { name: 'io.k8s.api.core.v1.SecretEnvSource' },
  { ...envSource },
);

const envFromSource: Schema = message(
  { name: 'io.k8s.api.core.v1.EnvFromSource' },
  {
    1: { name: 'prefix', type: 'string' },
    2: { name: 'configMapRef', type: () => envSource },
    3: { name: 'secretRef', type: () => secretEnvSource },
  },
);

const containerPort: Schema = message(
  { name: 'io.k8s.api.core.v1.ContainerPort' },
  {
    1: {
      name: 'name',
      type: 'string',
      description: 'Name of the port (IANA_SVC_NAME), unique within the pod.',
    },
    2: { name: 'hostPort', type: 'int' },
    3: {
      name: 'containerPort',
      type: 'int',
      required: true,
      description: 'Port number on the pod IP address (1-65535).',
    },
    4: { name: 'protocol', type: 'string', description: 'UDP, TCP or SCTP. Defaults to TCP.' },
    5: { name: 'hostIP', type: 'string' },
  },
);

const resourceRequirements: Schema = message(
  { name: 'io.k8s.api.core.v1.ResourceRequirements', open: true },
  {
    1: {
      name: 'limits',
      type: 'quantity',
      map: true,
      description: 'Maximum amount of each resource, e.g. {cpu: 500m, memory: 128Mi}.',
    },
    2: {
      name: 'requests',
      type: 'quantity',
      map: true,
      description: 'Amount of each resource the scheduler reserves.',
    },
  },
);

const volumeMount: Schema = message(
  { name: 'io.k8s.api.core.v1.VolumeMount', open: true },
  {
    1: {
      name: 'name',
      type: 'string',
      required: true,
      description: 'Name of the pod volume to mount.',
    },
    2: { name: 'readOnly', type: 'bool' },
    3: {
      name: 'mountPath',
      type: 'string',
      required: true,
      description: 'Path inside the container to mount at.',
    },
    4: { name: 'subPath', type: 'string' },
  },
);

/** core/v1 Container. */
export const container: Schema = message(
  { name: 'io.k8s.api.core.v1.Container', open: true },
  {
    1: {
      name: 'name',
      type: 'string',
      required: true,
      description: 'Name of the container, unique within the pod (DNS label).',
    },
    2: { name: 'image', type: 'string', description: 'Container image to run, e.g. nginx:1.27.' },
    3: {
      name: 'command',
      type: 'string',
      repeated: true,
      description: 'Entrypoint; replaces the image ENTRYPOINT. Not run in a shell.',
    },
    4: {
      name: 'args',
      type: 'string',
      repeated: true,
      description: 'Arguments to the entrypoint; replace the image CMD.',
    },
    5: {
      name: 'workingDir',
      type: 'string',
      description: 'Working directory of the process; the image default when empty.',
    },
    6: {
      name: 'ports',
      type: () => containerPort,
      repeated: true,
      description: 'Ports the container listens on (informational; any port is reachable).',
    },
    7: {
      name: 'env',
      type: () => envVar,
      repeated: true,
      description: 'Environment variables to set in the container.',
    },
    8: {
      name: 'resources',
      type: () => resourceRequirements,
      description: 'Compute resources (cpu, memory) the container requests and is limited to.',
    },
    9: {
      name: 'volumeMounts',
      type: () => volumeMount,
      repeated: true,
      description: 'Pod volumes to mount into the container filesystem.',
    },
    13: { name: 'terminationMessagePath', type: 'string' },
    14: { name: 'imagePullPolicy', type: 'string', description: 'Always, Never or IfNotPresent.' },
    16: { name: 'stdin', type: 'bool' },
    17: { name: 'stdinOnce', type: 'bool' },
    18: { name: 'tty', type: 'bool' },
    19: {
      name: 'envFrom',
      type: () => envFromSource,
      repeated: true,
      description: 'Sources (ConfigMaps, Secrets) whose keys all become environment variables.',
    },
    20: { name: 'terminationMessagePolicy', type: 'string' },
  },
);

/** core/v1 EphemeralContainer: a Container's fields (EphemeralContainerCommon) and a target. */
const ephemeralContainer: Schema = message(
  { name: 'io.k8s.api.core.v1.EphemeralContainer', open: true },
  {
    1: { name: 'ephemeralContainerCommon', type: () => container, inline: true },
    2: {
      name: 'targetContainerName',
      type: 'string',
      description: 'Container whose process namespace the ephemeral container shares.',
    },
  },
);

const emptyDir: Schema = message(
  { name: 'io.k8s.api.core.v1.EmptyDirVolumeSource' },
  {
    1: { name: 'medium', type: 'string' },
    2: { name: 'sizeLimit', type: 'quantity' },
  },
);

const secretVolume: Schema = message(
  { name: 'io.k8s.api.core.v1.SecretVolumeSource', open: true },
  {
    1: { name: 'secretName', type: 'string' },
    3: { name: 'defaultMode', type: 'int', optional: true },
    4: { name: 'optional', type: 'bool', optional: true },
  },
);

const configMapVolume: Schema = message(
  { name: 'io.k8s.api.core.v1.ConfigMapVolumeSource', open: true },
  {
    1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
    3: { name: 'defaultMode', type: 'int', optional: true },
    4: { name: 'optional', type: 'bool', optional: true },
  },
);

const hostPathVolume: Schema = message(
  { name: 'io.k8s.api.core.v1.HostPathVolumeSource' },
  {
    1: { name: 'path', type: 'string' },
    2: { name: 'type', type: 'string', optional: true },
  },
);

const volumeSource: Schema = message(
  { name: 'io.k8s.api.core.v1.VolumeSource', open: true },
  {
    // kubectl debug node/<name> mounts the node's / at /host
    1: { name: 'hostPath', type: () => hostPathVolume },
    2: { name: 'emptyDir', type: () => emptyDir },
    6: { name: 'secret', type: () => secretVolume },
    19: { name: 'configMap', type: () => configMapVolume },
  },
);

const volume: Schema = message(
  { name: 'io.k8s.api.core.v1.Volume', open: true },
  {
    1: {
      name: 'name',
      type: 'string',
      required: true,
      description: 'Name of the volume, referred to by volumeMounts.',
    },
    2: { name: 'volumeSource', type: () => volumeSource, inline: true },
  },
);

const toleration: Schema = message(
  { name: 'io.k8s.api.core.v1.Toleration' },
  {
    1: {
      name: 'key',
      type: 'string',
      description:
        'Taint key the toleration applies to; empty matches all keys with operator Exists.',
    },
    2: { name: 'operator', type: 'string' },
    3: { name: 'value', type: 'string' },
    4: {
      name: 'effect',
      type: 'string',
      description:
        'Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.',
    },
    5: { name: 'tolerationSeconds', type: 'int', optional: true },
  },
);

/** core/v1 PodSpec. */
export const podSpec: Schema = message(
  { name: 'io.k8s.api.core.v1.PodSpec', open: true },
  {
    1: {
      name: 'volumes',
      type: () => volume,
      repeated: true,
      description: 'Volumes the containers of the pod can mount.',
    },
    2: {
      name: 'containers',
      type: () => container,
      repeated: true,
      required: true,
      description: 'Containers of the pod. At least one.',
    },
    3: {
      name: 'restartPolicy',
      type: 'string',
      description: 'Always, OnFailure or Never. Defaults to Always.',
    },
    4: {
      name: 'terminationGracePeriodSeconds',
      type: 'int',
      optional: true,
      description: 'Seconds the pod gets to stop before it is killed.',
    },
    5: { name: 'activeDeadlineSeconds', type: 'int', optional: true },
    6: { name: 'dnsPolicy', type: 'string' },
    7: {
      name: 'nodeSelector',
      type: 'string',
      map: true,
      description: 'Labels a node must have for the pod to be scheduled there.',
    },
    8: {
      name: 'serviceAccountName',
      type: 'string',
      description: 'Name of the ServiceAccount the pod runs as.',
    },
    9: { name: 'serviceAccount', type: 'string' },
    10: {
      name: 'nodeName',
      type: 'string',
      description: 'Node the pod is bound to; set by the scheduler.',
    },
    11: { name: 'hostNetwork', type: 'bool' },
    12: { name: 'hostPID', type: 'bool' },
    13: { name: 'hostIPC', type: 'bool' },
    15: { name: 'imagePullSecrets', type: () => localObjectReference, repeated: true },
    16: { name: 'hostname', type: 'string' },
    17: { name: 'subdomain', type: 'string' },
    19: { name: 'schedulerName', type: 'string' },
    20: {
      name: 'initContainers',
      type: () => container,
      repeated: true,
      description: 'Containers that run to completion, in order, before the app containers start.',
    },
    21: { name: 'automountServiceAccountToken', type: 'bool', optional: true },
    22: {
      name: 'tolerations',
      type: () => toleration,
      repeated: true,
      description: 'Taints the pod tolerates.',
    },
    24: { name: 'priorityClassName', type: 'string' },
    25: { name: 'priority', type: 'int', optional: true },
    34: {
      name: 'ephemeralContainers',
      type: () => ephemeralContainer,
      repeated: true,
      description:
        'Debug containers added to the running pod (kubectl debug) through pods/ephemeralcontainers.',
    },
  },
);

/** core/v1 PodTemplateSpec. */
export const podTemplateSpec: Schema = message(
  { name: 'io.k8s.api.core.v1.PodTemplateSpec' },
  {
    1: {
      name: 'metadata',
      type: () => objectMeta,
      description:
        'Metadata of the pods created from this template (labels must match the selector).',
    },
    2: {
      name: 'spec',
      type: () => podSpec,
      description: 'Specification of the pods created from this template.',
    },
  },
);

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

const objectReference: Schema = message(
  { name: 'io.k8s.api.core.v1.ObjectReference', open: true },
  {
    1: { name: 'kind', type: 'string' },
    2: { name: 'namespace', type: 'string' },
    3: { name: 'name', type: 'string' },
    4: { name: 'uid', type: 'string' },
    5: { name: 'apiVersion', type: 'string' },
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
export { labelSelector };
