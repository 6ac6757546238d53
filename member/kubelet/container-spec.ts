import type { Container, Pod } from '../../api/index.js';
import { parseCpu, parseMemory } from '../scheduler/quantity.js';
import {
  LABEL_CLUSTER,
  LABEL_CONTAINER,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_IP,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTARTS,
  type ContainerSpec,
  type PortBinding,
} from './container-runtime.js';

/** The node facts a container spec carries. */
export interface NodeFacts {
  nodeName: string;
  /** Cluster id label (none when empty). */
  clusterId?: string;
  /** The node's address: `hostPort`s are published here. */
  nodeAddress: string;
}

/**
 * Where a container's ports are published: every declared port on the pod's address with the
 * same number (the pod network: each pod has its own loopback address), and on the node address
 * at its `hostPort` when it sets one (a hostNetwork pod's address is the node address already).
 */
export function portBindings(c: Container, podIp: string, nodeAddress: string): PortBinding[] {
  const out: PortBinding[] = [];
  const seen = new Set<string>();
  const add = (b: PortBinding): void => {
    const k = `${b.hostIp}:${String(b.hostPort)}/${b.protocol}/${String(b.containerPort)}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(b);
  };
  for (const p of c.ports ?? []) {
    const protocol = p.protocol ?? 'TCP';
    add({ containerPort: p.containerPort, protocol, hostIp: podIp, hostPort: p.containerPort });
    if (p.hostPort !== undefined) {
      add({ containerPort: p.containerPort, protocol, hostIp: nodeAddress, hostPort: p.hostPort });
    }
  }
  return out;
}

/**
 * What the runtime is asked to create for container `c` of `pod`, whose address is `podIp`: the
 * labels that let the kubelet recover its state from the runtime after a restart (the pod address
 * among them), the published ports ({@link portBindings}), and the resource limits.
 */
export function containerSpecFor(
  pod: Pod,
  c: Container,
  podIp: string,
  env: Record<string, string>,
  restarts: number,
  node: NodeFacts,
): ContainerSpec {
  return {
    name: c.name,
    image: c.image,
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    env,
    labels: {
      [LABEL_POD_UID]: pod.metadata.uid ?? '',
      [LABEL_POD_NAME]: pod.metadata.name ?? '',
      [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
      [LABEL_CONTAINER]: c.name,
      [LABEL_NODE]: node.nodeName,
      ...(node.clusterId ? { [LABEL_CLUSTER]: node.clusterId } : {}),
      [LABEL_RESTARTS]: String(restarts),
      [LABEL_POD_IP]: podIp,
    },
    ports: portBindings(c, podIp, node.nodeAddress),
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    ...(c.stdin ? { stdin: true, stdinOnce: c.stdinOnce === true } : {}),
    ...(c.tty ? { tty: true } : {}),
    ...(c.resources?.limits?.cpu ? { nanoCpus: parseCpu(c.resources.limits.cpu) * 1e6 } : {}),
    ...(c.resources?.limits?.memory ? { memoryBytes: parseMemory(c.resources.limits.memory) } : {}),
  };
}
