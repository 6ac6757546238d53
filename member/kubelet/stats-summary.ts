/**
 * The kubelet's Summary API (`GET /stats/summary`, the part metrics-server reads): CPU and memory
 * of the node and of every running pod and container bound to it.
 */
import type { Pod } from '../../api/index.js';
import {
  LABEL_CONTAINER,
  LABEL_NODE,
  LABEL_POD_UID,
  type ContainerRuntime,
  type RuntimeContainer,
} from './container-runtime.js';
import type { ContainerStats } from './container-stats.js';

/** CPU of a node, pod or container. */
export interface CpuStats {
  time: string;
  usageNanoCores: number;
  usageCoreNanoSeconds: number;
}

/** Memory of a node, pod or container. */
export interface MemoryStats {
  time: string;
  workingSetBytes: number;
  usageBytes: number;
}

/** One container of a pod. */
export interface ContainerSummary {
  name: string;
  startTime?: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

/** One pod: its containers and their sums. */
export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime?: string;
  cpu: CpuStats;
  memory: MemoryStats;
  containers: ContainerSummary[];
}

/** The `/stats/summary` body (a subset of the kubelet's `stats/v1alpha1` Summary). */
export interface StatsSummary {
  node: { nodeName: string; startTime?: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodSummary[];
}

function cpuOf(s: ContainerStats): CpuStats {
  return {
    time: s.time,
    usageNanoCores: s.usageNanoCores,
    usageCoreNanoSeconds: s.usageCoreNanoSeconds,
  };
}

function memoryOf(s: ContainerStats): MemoryStats {
  return { time: s.time, workingSetBytes: s.workingSetBytes, usageBytes: s.usageBytes };
}

/** Sums samples (the pod's of its containers, the node's of its pods); the latest time wins. */
function sum(parts: { cpu: CpuStats; memory: MemoryStats }[], now: string): ContainerStats {
  const out: ContainerStats = {
    time: now,
    usageNanoCores: 0,
    usageCoreNanoSeconds: 0,
    workingSetBytes: 0,
    usageBytes: 0,
  };
  for (const p of parts) {
    out.usageNanoCores += p.cpu.usageNanoCores;
    out.usageCoreNanoSeconds += p.cpu.usageCoreNanoSeconds;
    out.workingSetBytes += p.memory.workingSetBytes;
    out.usageBytes += p.memory.usageBytes;
    if (p.cpu.time > out.time) out.time = p.cpu.time;
  }
  return out;
}

/** The newest running container of each `<podUID>/<container>`. */
function running(list: RuntimeContainer[]): Map<string, RuntimeContainer> {
  const out = new Map<string, RuntimeContainer>();
  for (const c of list) {
    if (!c.running) continue;
    const key = `${c.labels[LABEL_POD_UID] ?? ''}/${c.labels[LABEL_CONTAINER] ?? ''}`;
    const seen = out.get(key);
    if (!seen || seen.createdAt < c.createdAt) out.set(key, c);
  }
  return out;
}

/**
 * Reads the usage of every running container of `pods` from the runtime. Pods without any running
 * container with usage are left out (metrics-server skips them too); the node's usage is the sum
 * of its pods'. A runtime without `stats` reports an empty pod list and zero node usage.
 */
export async function statsSummary(
  nodeName: string,
  pods: Pod[],
  runtime: ContainerRuntime,
  now = new Date(),
): Promise<StatsSummary> {
  const time = now.toISOString();
  const out: PodSummary[] = [];
  const stats = runtime.stats?.bind(runtime);
  if (stats) {
    const containers = running(await runtime.list({ [LABEL_NODE]: nodeName }));
    // one sample per container, all at once: Docker takes about a second for each (two samples)
    const sampled = await Promise.all(
      pods.map((pod) =>
        Promise.all(
          pod.spec.containers.map(async (spec) => {
            const rc = containers.get(`${pod.metadata.uid ?? ''}/${spec.name}`);
            const s = rc ? await stats(rc.id) : undefined;
            return s ? { name: spec.name, rc, s } : undefined;
          }),
        ),
      ),
    );
    pods.forEach((pod, i) => {
      const summaries: ContainerSummary[] = [];
      for (const c of sampled[i] ?? []) {
        if (!c) continue;
        summaries.push({
          name: c.name,
          ...(c.rc?.startedAt ? { startTime: c.rc.startedAt } : {}),
          cpu: cpuOf(c.s),
          memory: memoryOf(c.s),
        });
      }
      if (summaries.length === 0) return;
      const total = sum(summaries, time);
      out.push({
        podRef: {
          name: pod.metadata.name ?? '',
          namespace: pod.metadata.namespace ?? 'default',
          uid: pod.metadata.uid ?? '',
        },
        ...(pod.status?.startTime ? { startTime: pod.status.startTime } : {}),
        cpu: cpuOf(total),
        memory: memoryOf(total),
        containers: summaries,
      });
    });
  }
  const node = sum(out, time);
  return { node: { nodeName, cpu: cpuOf(node), memory: memoryOf(node) }, pods: out };
}
