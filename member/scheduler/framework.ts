import type { Node, Pod } from '../../api/index.js';
import { parseCpu, parseMemory } from './quantity.js';

/** A node with the pods bound (or assumed) to it, as the plugins see it. */
export interface NodeInfo {
  node: Node;
  pods: Pod[];
  requestedCpu: number;
  requestedMemory: number;
  allocatableCpu: number;
  allocatableMemory: number;
  allocatablePods: number;
  usedHostPorts: Set<string>;
}

/** Result of a filter: undefined when the node fits, else the reason. */
export type FilterResult = string | undefined;

/** A filter plugin: can the pod run on this node? */
export interface FilterPlugin {
  name: string;
  filter(pod: Pod, info: NodeInfo): FilterResult;
  /**
   * kube-scheduler's PreFilter `Skip`: true when the filter passes every node for this pod (a pod
   * without a nodeSelector never fails NodeAffinity), so the cycle does not run it per node.
   */
  skip?(pod: Pod): boolean;
}

/** A score plugin: 0..100, higher is better; weighted by the registry. */
export interface ScorePlugin {
  name: string;
  score(pod: Pod, info: NodeInfo): number;
  /**
   * kube-scheduler's PreScore `Skip`: true when the plugin gives every node the same score for
   * this pod (no preferred node affinity), which cannot change the ranking.
   */
  skip?(pod: Pod): boolean;
}

const requestsMemo = new WeakMap<Pod, Readonly<{ cpu: number; memory: number }>>();
const hostPortsMemo = new WeakMap<Pod, readonly string[]>();

/**
 * Total cpu (millicores) and memory (bytes) requested by a pod. Memoized per pod object: the
 * plugins ask for every node of every scheduling cycle, and pods (informer cache objects) are
 * replaced, never mutated, when they change.
 */
export function podRequests(pod: Pod): Readonly<{ cpu: number; memory: number }> {
  let r = requestsMemo.get(pod);
  if (r === undefined) {
    let cpu = 0;
    let memory = 0;
    for (const c of pod.spec.containers) {
      cpu += parseCpu(c.resources?.requests?.cpu);
      memory += parseMemory(c.resources?.requests?.memory);
    }
    r = { cpu, memory };
    requestsMemo.set(pod, r);
  }
  return r;
}

/** Host ports a pod needs (`proto/port`); memoized per pod object like {@link podRequests}. */
export function podHostPorts(pod: Pod): readonly string[] {
  let ports = hostPortsMemo.get(pod);
  if (ports === undefined) {
    ports = pod.spec.containers.flatMap((c) =>
      (c.ports ?? [])
        .filter((p) => p.hostPort)
        .map((p) => `${p.protocol ?? 'TCP'}/${String(p.hostPort)}`),
    );
    hostPortsMemo.set(pod, ports);
  }
  return ports;
}

/** Builds NodeInfo for a node from the pods on it. */
export function nodeInfo(node: Node, pods: Pod[]): NodeInfo {
  const info: NodeInfo = {
    node,
    pods: [],
    requestedCpu: 0,
    requestedMemory: 0,
    allocatableCpu: parseCpu(node.status?.allocatable?.cpu ?? node.status?.capacity?.cpu ?? '0'),
    allocatableMemory: parseMemory(
      node.status?.allocatable?.memory ?? node.status?.capacity?.memory ?? '0',
    ),
    allocatablePods: Number(node.status?.allocatable?.pods ?? node.status?.capacity?.pods ?? 110),
    usedHostPorts: new Set(),
  };
  for (const p of pods) addPod(info, p);
  return info;
}

/** Accounts one more pod on a node. */
export function addPod(info: NodeInfo, pod: Pod): void {
  const r = podRequests(pod);
  info.pods.push(pod);
  info.requestedCpu += r.cpu;
  info.requestedMemory += r.memory;
  for (const hp of podHostPorts(pod)) info.usedHostPorts.add(hp);
}
