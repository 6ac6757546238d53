/**
 * core/v1 PodSpec and PodTemplateSpec (k8s.io/api core/v1/generated.proto numbering), with the
 * pod-level messages they use. PodSpec lists every Go field, so strict field validation reports
 * `spec.template.spec.bogus`; volumes list only the sources this server mounts and keep the rest.
 */
import {
  appArmorProfile,
  seccompProfile,
  seLinuxOptions,
  windowsOptions,
} from './container-probe-schemas.js';
import { localObjectReference } from './container-env-schemas.js';
import { container, ephemeralContainer, resourceRequirements } from './container-schemas.js';
import { objectMeta } from './meta-schemas.js';
import { affinity, toleration, topologySpreadConstraint } from './pod-scheduling-schemas.js';
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

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

const sysctl: Schema = message(
  { name: C + 'Sysctl' },
  {
    1: { name: 'name', type: 'string', required: true },
    2: { name: 'value', type: 'string', required: true },
  },
);

const podSecurityContext: Schema = message(
  { name: C + 'PodSecurityContext' },
  {
    1: { name: 'seLinuxOptions', type: () => seLinuxOptions },
    2: { name: 'runAsUser', type: 'int', optional: true },
    3: { name: 'runAsNonRoot', type: 'bool', optional: true },
    4: { name: 'supplementalGroups', type: 'int', repeated: true },
    5: { name: 'fsGroup', type: 'int', optional: true },
    6: { name: 'runAsGroup', type: 'int', optional: true },
    7: { name: 'sysctls', type: () => sysctl, repeated: true },
    8: { name: 'windowsOptions', type: () => windowsOptions },
    9: { name: 'fsGroupChangePolicy', type: 'string', optional: true },
    10: { name: 'seccompProfile', type: () => seccompProfile },
    11: { name: 'appArmorProfile', type: () => appArmorProfile },
    12: { name: 'supplementalGroupsPolicy', type: 'string', optional: true },
    13: { name: 'seLinuxChangePolicy', type: 'string', optional: true },
  },
);

const hostAlias: Schema = message(
  { name: C + 'HostAlias' },
  {
    1: { name: 'ip', type: 'string', required: true },
    2: { name: 'hostnames', type: 'string', repeated: true },
  },
);

const podDnsConfigOption: Schema = message(
  { name: C + 'PodDNSConfigOption' },
  {
    1: { name: 'name', type: 'string' },
    2: { name: 'value', type: 'string', optional: true },
  },
);

const podDnsConfig: Schema = message(
  { name: C + 'PodDNSConfig' },
  {
    1: { name: 'nameservers', type: 'string', repeated: true },
    2: { name: 'searches', type: 'string', repeated: true },
    3: { name: 'options', type: () => podDnsConfigOption, repeated: true },
  },
);

const readinessGate: Schema = message(
  { name: C + 'PodReadinessGate' },
  { 1: { name: 'conditionType', type: 'string', required: true } },
);

const podOs: Schema = message(
  { name: C + 'PodOS' },
  { 1: { name: 'name', type: 'string', required: true, description: 'linux or windows.' } },
);

const schedulingGate: Schema = message(
  { name: C + 'PodSchedulingGate' },
  { 1: { name: 'name', type: 'string', required: true } },
);

const podResourceClaim: Schema = message(
  { name: C + 'PodResourceClaim' },
  {
    1: { name: 'name', type: 'string', required: true },
    3: { name: 'resourceClaimName', type: 'string', optional: true },
    4: { name: 'resourceClaimTemplateName', type: 'string', optional: true },
  },
);

/** core/v1 PodSpec. */
export const podSpec: Schema = message(
  { name: C + 'PodSpec' },
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
    14: {
      name: 'securityContext',
      type: () => podSecurityContext,
      description:
        'Security options of every container; a container securityContext overrides them.',
    },
    15: { name: 'imagePullSecrets', type: () => localObjectReference, repeated: true },
    16: { name: 'hostname', type: 'string' },
    17: { name: 'subdomain', type: 'string' },
    18: {
      name: 'affinity',
      type: () => affinity,
      description: 'Node affinity and pod (anti-)affinity scheduling rules.',
    },
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
    23: { name: 'hostAliases', type: () => hostAlias, repeated: true },
    24: { name: 'priorityClassName', type: 'string' },
    25: { name: 'priority', type: 'int', optional: true },
    26: { name: 'dnsConfig', type: () => podDnsConfig },
    27: { name: 'shareProcessNamespace', type: 'bool', optional: true },
    28: { name: 'readinessGates', type: () => readinessGate, repeated: true },
    29: { name: 'runtimeClassName', type: 'string', optional: true },
    30: { name: 'enableServiceLinks', type: 'bool', optional: true },
    31: { name: 'preemptionPolicy', type: 'string', optional: true },
    32: { name: 'overhead', type: 'quantity', map: true },
    33: {
      name: 'topologySpreadConstraints',
      type: () => topologySpreadConstraint,
      repeated: true,
      description: 'How matching pods are spread across topology domains (zones, nodes).',
    },
    34: {
      name: 'ephemeralContainers',
      type: () => ephemeralContainer,
      repeated: true,
      description:
        'Debug containers added to the running pod (kubectl debug) through pods/ephemeralcontainers.',
    },
    35: { name: 'setHostnameAsFQDN', type: 'bool', optional: true },
    36: { name: 'os', type: () => podOs },
    37: { name: 'hostUsers', type: 'bool', optional: true },
    38: { name: 'schedulingGates', type: () => schedulingGate, repeated: true },
    39: { name: 'resourceClaims', type: () => podResourceClaim, repeated: true },
    40: {
      name: 'resources',
      type: () => resourceRequirements,
      description: 'Resources of the whole pod, shared by its containers.',
    },
    41: { name: 'hostnameOverride', type: 'string', optional: true },
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
