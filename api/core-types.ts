/** core/v1 and apps/v1 object shapes (the fields Flotilla reads and writes). */
import type { Condition, KubeObject, ObjectMeta } from '../machinery/meta.js';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** Selects one key of a ConfigMap or Secret in the pod's namespace. */
export interface KeySelector {
  name: string;
  key: string;
  /** When true a missing object or key leaves the variable unset instead of failing the start. */
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: KeySelector;
    secretKeyRef?: KeySelector;
  };
}

/** Imports every key of a ConfigMap or Secret as variables (`prefix` + key). */
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; host?: string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: ContainerPort[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  workingDir?: string;
  /** Keep stdin open for `kubectl attach -i` (Docker: OpenStdin). */
  stdin?: boolean;
  /** Close stdin after the first attach ends. */
  stdinOnce?: boolean;
  /** Allocate a terminal (stdin should be set too). */
  tty?: boolean;
}

/**
 * A container added to a running pod through `pods/ephemeralcontainers` (`kubectl debug`): no
 * ports, probes or resources, never restarted; `targetContainerName` shares that container's
 * process namespace.
 */
export interface EphemeralContainer extends Container {
  targetContainerName?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface PodSpec {
  containers: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: { matchExpressions?: NodeSelectorRequirement[] }[];
      };
      preferredDuringSchedulingIgnoredDuringExecution?: {
        weight: number;
        preference: { matchExpressions?: NodeSelectorRequirement[] };
      }[];
    };
  };
  tolerations?: Toleration[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  dnsPolicy?: string;
  hostname?: string;
  subdomain?: string;
  schedulerName?: string;
  /** The pod uses its node's address instead of an address of its own. */
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  /** Added to a running pod through `pods/ephemeralcontainers` only, never changed or removed. */
  ephemeralContainers?: EphemeralContainer[];
  /** Name of the pod's PriorityClass; Priority admission resolves it to `priority`. */
  priorityClassName?: string;
  /** Set by Priority admission from the PriorityClass (higher schedules first). */
  priority?: number;
  /** `PreemptLowerPriority` or `Never`, from the PriorityClass. */
  preemptionPolicy?: string;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID?: string;
  containerID?: string;
  started?: boolean;
  state?: ContainerState;
  /** The container's previous termination: the run before this one, or the one awaiting restart. */
  lastState?: ContainerState;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: {
    exitCode: number;
    reason?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: Condition[];
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  ephemeralContainerStatuses?: ContainerStatus[];
  reason?: string;
  message?: string;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: PodStatus;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface Node extends KubeObject {
  spec?: {
    unschedulable?: boolean;
    taints?: Taint[];
    /** The node's pod range (set once by the node IPAM controller); its pods' addresses. */
    podCIDR?: string;
    /** The same range as a list (one IPv4 CIDR: Flotilla has no dual stack). */
    podCIDRs?: string[];
  };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: Condition[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: Record<string, string>;
    /** Where the node's daemons listen: the kubelet API port (on the InternalIP). */
    daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  };
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  nodePort?: number;
}

export interface Service extends KubeObject {
  spec: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    externalIPs?: string[];
    sessionAffinity?: string;
    publishNotReadyAddresses?: boolean;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; name: string; namespace?: string; uid?: string };
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: { name?: string; port: number; protocol?: string }[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface Secret extends KubeObject {
  type?: string;
  /** Values are base64-encoded. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Lease extends KubeObject {
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: string;
    acquireTime?: string;
  };
}

export interface Event extends KubeObject {
  involvedObject: {
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
    apiVersion?: string;
    resourceVersion?: string;
    /** The part of the object, e.g. `spec.containers{web}` for a pod's container. */
    fieldPath?: string;
  };
  reason?: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: { component?: string; host?: string };
  /** The object this event is also about (e.g. the node a pod was scheduled to). */
  related?: Event['involvedObject'];
  /** When the event was first observed (MicroTime). */
  eventTime?: string;
  /** Set when the event repeats: how often and when last. */
  series?: { count?: number; lastObservedTime?: string };
  action?: string;
  /** The controller that emitted the event (events.k8s.io `reportingController`). */
  reportingComponent?: string;
  reportingInstance?: string;
}

export interface DeploymentStrategy {
  type?: 'RollingUpdate' | 'Recreate';
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

/** apps/v1 DeploymentCondition: a Condition plus the time it was last updated. */
export type DeploymentCondition = Condition & { lastUpdateTime?: string };

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
    strategy?: DeploymentStrategy;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    minReadySeconds?: number;
    paused?: boolean;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: DeploymentCondition[];
  };
}

export interface ReplicaSet extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
    minReadySeconds?: number;
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    fullyLabeledReplicas?: number;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}
