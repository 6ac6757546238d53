/**
 * The resource interpreter's dependencies: which ConfigMaps, Secrets, ServiceAccount and
 * PersistentVolumeClaims a workload's pods reference (Karmada's default interpreter,
 * `GetDependencies`), for PropagationPolicy `propagateDeps`.
 */
import type { KubeObject } from '../../machinery/meta.js';

/** One object a workload references (in the workload's namespace). */
export interface DependencyRef {
  apiVersion: string;
  kind: 'ConfigMap' | 'Secret' | 'ServiceAccount' | 'PersistentVolumeClaim';
  namespace: string;
  name: string;
}

/** The pod spec fields read here (loosely typed: templates are stored as the user wrote them). */
interface PodSpecLike {
  serviceAccountName?: string;
  imagePullSecrets?: { name?: string }[];
  volumes?: VolumeLike[];
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  ephemeralContainers?: ContainerLike[];
}
interface VolumeLike {
  configMap?: { name?: string };
  secret?: { secretName?: string };
  persistentVolumeClaim?: { claimName?: string };
  projected?: { sources?: { configMap?: { name?: string }; secret?: { name?: string } }[] };
}
interface ContainerLike {
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  env?: {
    valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } };
  }[];
}

/** Kinds whose pod template is `spec.template.spec`. */
const TEMPLATED = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

/** The pod spec of a workload object, or undefined for kinds without pods. */
export function podSpecOf(kind: string, obj: KubeObject): PodSpecLike | undefined {
  const spec = (obj as { spec?: Record<string, unknown> }).spec;
  if (!spec) return undefined;
  if (kind === 'Pod') return spec;
  if (TEMPLATED.has(kind)) return (spec.template as { spec?: PodSpecLike } | undefined)?.spec;
  if (kind === 'CronJob') {
    const job = spec.jobTemplate as { spec?: { template?: { spec?: PodSpecLike } } } | undefined;
    return job?.spec?.template?.spec;
  }
  return undefined;
}

/** True for the kinds {@link workloadDependencies} reads (they have a pod template). */
export function hasDependencies(kind: string): boolean {
  return kind === 'Pod' || kind === 'CronJob' || TEMPLATED.has(kind);
}

function containerRefs(c: ContainerLike, add: (k: DependencyRef['kind'], n?: string) => void) {
  for (const e of c.envFrom ?? []) {
    add('ConfigMap', e.configMapRef?.name);
    add('Secret', e.secretRef?.name);
  }
  for (const e of c.env ?? []) {
    add('ConfigMap', e.valueFrom?.configMapKeyRef?.name);
    add('Secret', e.valueFrom?.secretKeyRef?.name);
  }
}

function volumeRefs(v: VolumeLike, add: (k: DependencyRef['kind'], n?: string) => void) {
  add('ConfigMap', v.configMap?.name);
  add('Secret', v.secret?.secretName);
  add('PersistentVolumeClaim', v.persistentVolumeClaim?.claimName);
  for (const s of v.projected?.sources ?? []) {
    add('ConfigMap', s.configMap?.name);
    add('Secret', s.secret?.name);
  }
}

/**
 * What a workload's pods reference, sorted by kind then name and without duplicates: volumes
 * (configMap, secret, persistentVolumeClaim, projected), containers' (init and ephemeral too)
 * `envFrom` and `env[].valueFrom`, `imagePullSecrets` and a `serviceAccountName` other than
 * `default` (every namespace has its own). Empty for kinds without a pod template.
 */
export function workloadDependencies(kind: string, obj: KubeObject): DependencyRef[] {
  const pod = podSpecOf(kind, obj);
  if (!pod) return [];
  const namespace = obj.metadata.namespace ?? 'default';
  const seen = new Map<string, DependencyRef>();
  const add = (k: DependencyRef['kind'], name?: string): void => {
    if (name) seen.set(`${k}/${name}`, { apiVersion: 'v1', kind: k, namespace, name });
  };
  for (const s of pod.imagePullSecrets ?? []) add('Secret', s.name);
  if (pod.serviceAccountName !== 'default') add('ServiceAccount', pod.serviceAccountName);
  for (const v of pod.volumes ?? []) volumeRefs(v, add);
  for (const c of [
    ...(pod.containers ?? []),
    ...(pod.initContainers ?? []),
    ...(pod.ephemeralContainers ?? []),
  ]) {
    containerRefs(c, add);
  }
  return [...seen.values()].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
  );
}
