/**
 * core/v1 messages of a container's probes, lifecycle hooks and security context
 * (k8s.io/api core/v1/generated.proto numbering). Every Go field is listed, so unknown fields
 * are reported.
 */
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

const execAction: Schema = message(
  { name: C + 'ExecAction' },
  {
    1: {
      name: 'command',
      type: 'string',
      repeated: true,
      description: 'Command to run in the container (not in a shell); exit 0 is success.',
    },
  },
);

const httpHeader: Schema = message(
  { name: C + 'HTTPHeader' },
  {
    1: { name: 'name', type: 'string', required: true },
    2: { name: 'value', type: 'string', required: true },
  },
);

const httpGetAction: Schema = message(
  { name: C + 'HTTPGetAction' },
  {
    1: { name: 'path', type: 'string', description: 'Path to request, e.g. /healthz.' },
    2: {
      name: 'port',
      type: 'intOrString',
      required: true,
      description: 'Number or name of the container port to request.',
    },
    3: { name: 'host', type: 'string', description: 'Host to connect to; the pod IP when empty.' },
    4: { name: 'scheme', type: 'string', description: 'HTTP or HTTPS. Defaults to HTTP.' },
    5: { name: 'httpHeaders', type: () => httpHeader, repeated: true },
  },
);

const tcpSocketAction: Schema = message(
  { name: C + 'TCPSocketAction' },
  {
    1: {
      name: 'port',
      type: 'intOrString',
      required: true,
      description: 'Number or name of the container port to connect to.',
    },
    2: { name: 'host', type: 'string' },
  },
);

const grpcAction: Schema = message(
  { name: C + 'GRPCAction' },
  {
    1: { name: 'port', type: 'int', required: true, description: 'Port of the gRPC service.' },
    2: { name: 'service', type: 'string', optional: true },
  },
);

const sleepAction: Schema = message(
  { name: C + 'SleepAction' },
  { 1: { name: 'seconds', type: 'int', required: true, description: 'Seconds to sleep.' } },
);

const probeHandler: Schema = message(
  { name: C + 'ProbeHandler' },
  {
    1: { name: 'exec', type: () => execAction, description: 'Run a command.' },
    2: { name: 'httpGet', type: () => httpGetAction, description: 'Send an HTTP GET.' },
    3: { name: 'tcpSocket', type: () => tcpSocketAction, description: 'Open a TCP connection.' },
    4: { name: 'grpc', type: () => grpcAction, description: 'Call the gRPC health service.' },
  },
);

/** core/v1 Probe: a handler (inline) and its timing. */
export const probe: Schema = message(
  { name: C + 'Probe' },
  {
    1: { name: 'handler', type: () => probeHandler, inline: true },
    2: { name: 'initialDelaySeconds', type: 'int' },
    3: { name: 'timeoutSeconds', type: 'int', description: 'Defaults to 1 second.' },
    4: { name: 'periodSeconds', type: 'int', description: 'Defaults to 10 seconds.' },
    5: { name: 'successThreshold', type: 'int' },
    6: { name: 'failureThreshold', type: 'int' },
    7: { name: 'terminationGracePeriodSeconds', type: 'int', optional: true },
  },
);

const lifecycleHandler: Schema = message(
  { name: C + 'LifecycleHandler' },
  {
    1: { name: 'exec', type: () => execAction },
    2: { name: 'httpGet', type: () => httpGetAction },
    3: { name: 'tcpSocket', type: () => tcpSocketAction },
    4: { name: 'sleep', type: () => sleepAction },
  },
);

/** core/v1 Lifecycle. */
export const lifecycle: Schema = message(
  { name: C + 'Lifecycle' },
  {
    1: {
      name: 'postStart',
      type: () => lifecycleHandler,
      description: 'Run right after the container is created.',
    },
    2: {
      name: 'preStop',
      type: () => lifecycleHandler,
      description: 'Run before the container is stopped.',
    },
    3: { name: 'stopSignal', type: 'string', optional: true },
  },
);

const capabilities: Schema = message(
  { name: C + 'Capabilities' },
  {
    1: { name: 'add', type: 'string', repeated: true },
    2: { name: 'drop', type: 'string', repeated: true },
  },
);

/** core/v1 SELinuxOptions (also in PodSecurityContext). */
export const seLinuxOptions: Schema = message(
  { name: C + 'SELinuxOptions' },
  {
    1: { name: 'user', type: 'string' },
    2: { name: 'role', type: 'string' },
    3: { name: 'type', type: 'string' },
    4: { name: 'level', type: 'string' },
  },
);

/** core/v1 WindowsSecurityContextOptions (also in PodSecurityContext). */
export const windowsOptions: Schema = message(
  { name: C + 'WindowsSecurityContextOptions' },
  {
    1: { name: 'gmsaCredentialSpecName', type: 'string', optional: true },
    2: { name: 'gmsaCredentialSpec', type: 'string', optional: true },
    3: { name: 'runAsUserName', type: 'string', optional: true },
    4: { name: 'hostProcess', type: 'bool', optional: true },
  },
);

/** core/v1 SeccompProfile (also in PodSecurityContext). */
export const seccompProfile: Schema = message(
  { name: C + 'SeccompProfile' },
  {
    1: { name: 'type', type: 'string', required: true },
    2: { name: 'localhostProfile', type: 'string', optional: true },
  },
);

/** core/v1 AppArmorProfile (also in PodSecurityContext). */
export const appArmorProfile: Schema = message(
  { name: C + 'AppArmorProfile' },
  {
    1: { name: 'type', type: 'string', required: true },
    2: { name: 'localhostProfile', type: 'string', optional: true },
  },
);

/** core/v1 SecurityContext (of one container). */
export const securityContext: Schema = message(
  { name: C + 'SecurityContext' },
  {
    1: { name: 'capabilities', type: () => capabilities },
    2: { name: 'privileged', type: 'bool', optional: true },
    3: { name: 'seLinuxOptions', type: () => seLinuxOptions },
    4: { name: 'runAsUser', type: 'int', optional: true },
    5: { name: 'runAsNonRoot', type: 'bool', optional: true },
    6: { name: 'readOnlyRootFilesystem', type: 'bool', optional: true },
    7: { name: 'allowPrivilegeEscalation', type: 'bool', optional: true },
    8: { name: 'runAsGroup', type: 'int', optional: true },
    9: { name: 'procMount', type: 'string', optional: true },
    10: { name: 'windowsOptions', type: () => windowsOptions },
    11: { name: 'seccompProfile', type: () => seccompProfile },
    12: { name: 'appArmorProfile', type: () => appArmorProfile },
  },
);
