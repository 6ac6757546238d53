/**
 * core/v1 Container and the messages only it uses (k8s.io/api core/v1/generated.proto
 * numbering). Every field of the Go type is listed, down to the nested types, so strict field
 * validation reports `spec.template.spec.containers[0].bogus` as Kubernetes does.
 */
import { envFromSource, envVar } from './container-env-schemas.js';
import { lifecycle, probe, securityContext } from './container-probe-schemas.js';
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

const containerPort: Schema = message(
  { name: C + 'ContainerPort' },
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

const resourceClaim: Schema = message(
  { name: C + 'ResourceClaim' },
  {
    1: { name: 'name', type: 'string', required: true },
    2: { name: 'request', type: 'string' },
  },
);

/** core/v1 ResourceRequirements (also the pod-level `resources`). */
export const resourceRequirements: Schema = message(
  { name: C + 'ResourceRequirements' },
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
    3: { name: 'claims', type: () => resourceClaim, repeated: true },
  },
);

const volumeMount: Schema = message(
  { name: C + 'VolumeMount' },
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
    5: { name: 'mountPropagation', type: 'string', optional: true },
    6: { name: 'subPathExpr', type: 'string' },
    7: { name: 'recursiveReadOnly', type: 'string', optional: true },
  },
);

const volumeDevice: Schema = message(
  { name: C + 'VolumeDevice' },
  {
    1: { name: 'name', type: 'string', required: true },
    2: { name: 'devicePath', type: 'string', required: true },
  },
);

const resizePolicy: Schema = message(
  { name: C + 'ContainerResizePolicy' },
  {
    1: { name: 'resourceName', type: 'string', required: true },
    2: { name: 'restartPolicy', type: 'string', required: true },
  },
);

const restartRuleOnExitCodes: Schema = message(
  { name: C + 'ContainerRestartRuleOnExitCodes' },
  {
    1: { name: 'operator', type: 'string', required: true },
    2: { name: 'values', type: 'int', repeated: true },
  },
);

const restartRule: Schema = message(
  { name: C + 'ContainerRestartRule' },
  {
    1: { name: 'action', type: 'string', required: true },
    2: { name: 'exitCodes', type: () => restartRuleOnExitCodes },
  },
);

/** core/v1 Container. */
export const container: Schema = message(
  { name: C + 'Container' },
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
    10: {
      name: 'livenessProbe',
      type: () => probe,
      description: 'Periodic check; the container is restarted when it fails.',
    },
    11: {
      name: 'readinessProbe',
      type: () => probe,
      description: 'Periodic check; the pod leaves service endpoints while it fails.',
    },
    12: { name: 'lifecycle', type: () => lifecycle, description: 'Hooks run at start and stop.' },
    13: { name: 'terminationMessagePath', type: 'string' },
    14: { name: 'imagePullPolicy', type: 'string', description: 'Always, Never or IfNotPresent.' },
    15: {
      name: 'securityContext',
      type: () => securityContext,
      description: 'Security options; override those of the pod securityContext.',
    },
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
    21: { name: 'volumeDevices', type: () => volumeDevice, repeated: true },
    22: {
      name: 'startupProbe',
      type: () => probe,
      description: 'Check that must pass before the other probes start.',
    },
    23: { name: 'resizePolicy', type: () => resizePolicy, repeated: true },
    24: {
      name: 'restartPolicy',
      type: 'string',
      optional: true,
      description: 'Always makes an init container a sidecar that keeps running.',
    },
    25: { name: 'restartPolicyRules', type: () => restartRule, repeated: true },
  },
);

/** core/v1 EphemeralContainer: a Container's fields (EphemeralContainerCommon) and a target. */
export const ephemeralContainer: Schema = message(
  { name: C + 'EphemeralContainer' },
  {
    1: { name: 'ephemeralContainerCommon', type: () => container, inline: true },
    2: {
      name: 'targetContainerName',
      type: 'string',
      description: 'Container whose process namespace the ephemeral container shares.',
    },
  },
);
