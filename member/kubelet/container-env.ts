import type { KubeClient } from '../../machinery/client/kube-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import {
  CONFIGMAPS,
  SECRETS,
  type ConfigMap,
  type Container,
  type EnvVar,
  type Pod,
  type Secret,
} from '../../api/index.js';
import { CreateContainerConfigError } from './errors/create-container-config-error.js';

/** Options for {@link ContainerEnvResolver}. */
export interface ContainerEnvResolverOptions {
  /** Reads ConfigMaps and Secrets of the pod's namespace (the kubelet's own API client). */
  client: KubeClient;
  nodeName: string;
  /** The node address (`status.hostIP`). */
  nodeAddress: string;
}

/** Kubernetes `IsEnvVarName`: keys imported by `envFrom` that fail it are skipped. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

type Source = { kind: 'ConfigMap' | 'Secret'; name: string };

/**
 * Builds a container's environment as the kubelet does: `envFrom` first (ConfigMap/Secret keys,
 * with `prefix`), then `env` in order, later entries overriding earlier ones. `env` supports
 * `value` (with `$(VAR)` expansion of variables defined before it), `valueFrom.fieldRef`,
 * `valueFrom.configMapKeyRef` and `valueFrom.secretKeyRef`. ConfigMaps and Secrets are read through
 * the API on every call (once per object), so a later sync sees objects created meanwhile.
 */
export class ContainerEnvResolver {
  private readonly opts: ContainerEnvResolverOptions;

  constructor(opts: ContainerEnvResolverOptions) {
    this.opts = opts;
  }

  /**
   * The environment for `c` of `pod`, whose address is `podIp` (`status.podIP`; the kubelet
   * knows it before the status says so).
   *
   * @throws CreateContainerConfigError when a non-optional ConfigMap, Secret or key is missing.
   */
  async resolve(pod: Pod, c: Container, podIp: string): Promise<Record<string, string>> {
    const cache = new Map<string, Record<string, string> | undefined>();
    const read = (src: Source): Promise<Record<string, string> | undefined> =>
      this.readSource(pod, src, cache);
    const fail = (message: string): never => {
      throw new CreateContainerConfigError(
        pod.metadata.namespace ?? '',
        pod.metadata.name ?? '',
        c.name,
        message,
      );
    };
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      const ref = from.configMapRef ?? from.secretRef;
      if (!ref) continue;
      const src: Source = { kind: from.configMapRef ? 'ConfigMap' : 'Secret', name: ref.name };
      const data = await read(src);
      if (!data) {
        if (ref.optional === true) continue;
        fail(`${src.kind.toLowerCase()} "${ref.name}" not found`);
      }
      for (const [k, v] of Object.entries(data ?? {})) {
        const name = `${from.prefix ?? ''}${k}`;
        if (ENV_NAME.test(name)) env[name] = v;
      }
    }
    for (const e of c.env ?? []) {
      const v = await this.value(pod, podIp, e, env, read, fail);
      if (v !== undefined) env[e.name] = v;
    }
    return env;
  }

  private async value(
    pod: Pod,
    podIp: string,
    e: EnvVar,
    env: Record<string, string>,
    read: (src: Source) => Promise<Record<string, string> | undefined>,
    fail: (message: string) => never,
  ): Promise<string | undefined> {
    const from = e.valueFrom;
    if (from?.fieldRef) return this.field(pod, podIp, from.fieldRef.fieldPath);
    const sel = from?.configMapKeyRef ?? from?.secretKeyRef;
    if (from && sel) {
      const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const data = await read({ kind, name: sel.name });
      const v = data?.[sel.key];
      if (v !== undefined || sel.optional === true) return v;
      return data
        ? fail(
            `couldn't find key ${sel.key} in ${kind} ${pod.metadata.namespace ?? ''}/${sel.name}`,
          )
        : fail(`${kind.toLowerCase()} "${sel.name}" not found`);
    }
    return expand(e.value ?? '', env);
  }

  /** The `fieldRef` paths the downward API offers for env. */
  private field(pod: Pod, podIp: string, path: string): string {
    const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (m) {
      const map = m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
      return map?.[m[2] ?? ''] ?? '';
    }
    switch (path) {
      case 'metadata.name':
        return pod.metadata.name ?? '';
      case 'metadata.namespace':
        return pod.metadata.namespace ?? '';
      case 'metadata.uid':
        return pod.metadata.uid ?? '';
      case 'spec.nodeName':
        return this.opts.nodeName;
      case 'status.podIP':
      case 'status.podIPs':
        return podIp;
      case 'status.hostIP':
      case 'status.hostIPs':
        return this.opts.nodeAddress;
      default:
        return '';
    }
  }

  /** ConfigMap data, or Secret data decoded from base64; undefined when the object is missing. */
  private async readSource(
    pod: Pod,
    src: Source,
    cache: Map<string, Record<string, string> | undefined>,
  ): Promise<Record<string, string> | undefined> {
    const key = `${src.kind}/${src.name}`;
    if (cache.has(key)) return cache.get(key);
    const ns = pod.metadata.namespace;
    let data: Record<string, string> | undefined;
    try {
      if (src.kind === 'ConfigMap') {
        const cm = await this.opts.client.resource<ConfigMap>(CONFIGMAPS, ns).get(src.name);
        data = { ...(cm.data ?? {}) };
      } else {
        const s = await this.opts.client.resource<Secret>(SECRETS, ns).get(src.name);
        data = Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
        );
      }
    } catch (err) {
      // a missing object is the caller's decision (optional or CreateContainerConfigError);
      // anything else (API down) is thrown so the sync is retried with backoff
      if (!(err instanceof NotFoundError)) throw err;
    }
    cache.set(key, data);
    return data;
  }
}

/** Kubernetes `$(VAR)` expansion: defined names are replaced, `$$` escapes, unknown refs stay. */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([-._a-zA-Z0-9]+)\)/g, (whole, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? whole),
  );
}
