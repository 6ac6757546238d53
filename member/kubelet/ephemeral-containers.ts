import type { EphemeralContainer, Pod } from '../../api/index.js';
import { LABEL_CONTAINER, type ContainerSpec, type RuntimeContainer } from './container-runtime.js';
import type { PodState } from './pod-state.js';

/** The namespaces an ephemeral container joins: a pod container's network, its target's PIDs. */
export type SharedNamespaces = Pick<ContainerSpec, 'networkOf' | 'pidOf'>;

/** Starts ephemeral container `c` in `ns`; undefined when it cannot start yet (pull, config). */
export type EphemeralStarter = (
  c: EphemeralContainer,
  ns: SharedNamespaces,
) => Promise<RuntimeContainer | undefined>;

/**
 * Where ephemeral container `c` runs: in the network of its target (or of the pod's first running
 * container), and with `targetContainerName` in the target's PID namespace, so `ps` shows the
 * target's processes (Kubernetes' process namespace targeting). Nothing to join while no container
 * of the pod runs: it then gets namespaces of its own.
 */
export function sharedNamespaces(
  c: EphemeralContainer,
  pod: Pod,
  regular: ReadonlyMap<string, RuntimeContainer | undefined>,
): SharedNamespaces {
  const running = (name: string | undefined): RuntimeContainer | undefined => {
    const rc = name === undefined ? undefined : regular.get(name);
    return rc?.running ? rc : undefined;
  };
  const target = running(c.targetContainerName);
  const net = target ?? pod.spec.containers.map((x) => running(x.name)).find((x) => x);
  return {
    ...(net ? { networkOf: net.id } : {}),
    ...(target ? { pidOf: target.id } : {}),
  };
}

/**
 * One sync of a pod's ephemeral containers (`kubectl debug`): each one in the spec is started once
 * and never restarted (Kubernetes' rule), so one that exited stays terminated. `containers` are the
 * pod's runtime containers, `regular` the latest of its spec containers. Resolves to the latest
 * runtime container of each ephemeral container (undefined while it waits to start).
 */
export async function syncEphemeralContainers(
  pod: Pod,
  containers: readonly RuntimeContainer[],
  regular: ReadonlyMap<string, RuntimeContainer | undefined>,
  state: PodState,
  start: EphemeralStarter,
): Promise<Map<string, RuntimeContainer | undefined>> {
  const out = new Map<string, RuntimeContainer | undefined>();
  for (const c of pod.spec.ephemeralContainers ?? []) {
    const cur = containers
      .filter((rc) => rc.labels[LABEL_CONTAINER] === c.name)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    // started before (the runtime knows it, or this kubelet started it): never again
    if (cur || state.started[c.name] === true) {
      out.set(c.name, cur);
      continue;
    }
    out.set(c.name, await start(c, sharedNamespaces(c, pod, regular)));
  }
  return out;
}
