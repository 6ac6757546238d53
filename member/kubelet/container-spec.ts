import type { Container, Pod } from '../../api/index.js';
import { parseCpu, parseMemory } from '../scheduler/quantity.js';
import {
  LABEL_CLUSTER,
  LABEL_CONTAINER,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTARTS,
  type ContainerSpec,
} from './container-runtime.js';
import type { PodState } from './pod-state.js';

/** The node facts a container spec carries. */
export interface NodeFacts {
  nodeName: string;
  /** Cluster id label (none when empty). */
  clusterId?: string;
  /** Ports are published on this address. */
  nodeAddress: string;
}

/**
 * What the runtime is asked to create for container `c` of `pod`: the labels that let the
 * kubelet recover its state from the runtime after a restart, the ports published on the node
 * address (on the host ports recorded in `state`), and the resource limits.
 */
export function containerSpecFor(
  pod: Pod,
  c: Container,
  state: PodState,
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
    },
    ports: (c.ports ?? []).map((p) => ({
      containerPort: p.containerPort,
      hostPort: state.hostPorts[String(p.containerPort)] ?? p.containerPort,
      protocol: p.protocol ?? 'TCP',
    })),
    hostIp: node.nodeAddress,
    ...(c.resources?.limits?.cpu ? { nanoCpus: parseCpu(c.resources.limits.cpu) * 1e6 } : {}),
    ...(c.resources?.limits?.memory ? { memoryBytes: parseMemory(c.resources.limits.memory) } : {}),
  };
}
