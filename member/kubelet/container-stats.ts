/**
 * Per-container CPU and memory usage as the kubelet's Summary API (`/stats/summary`) reports it,
 * from Docker's stats or synthesised for hollow containers.
 */

/** One container's usage at one moment. */
export interface ContainerStats {
  /** RFC 3339 time of the sample. */
  time: string;
  /** CPU in use, in billionths of a core (1e6 = 1m). */
  usageNanoCores: number;
  /** CPU time consumed since the container started, in core-nanoseconds. */
  usageCoreNanoSeconds: number;
  /** Memory the kernel cannot reclaim (usage minus inactive file cache), in bytes. */
  workingSetBytes: number;
  /** All memory charged to the container, in bytes. */
  usageBytes: number;
}

/** The fields of Docker's `GET /containers/{id}/stats?stream=false` answer that are read. */
export interface DockerStats {
  read?: string;
  cpu_stats?: {
    cpu_usage?: { total_usage?: number };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: {
    cpu_usage?: { total_usage?: number };
    system_cpu_usage?: number;
  };
  memory_stats?: {
    usage?: number;
    /** cgroup v2: `inactive_file`; cgroup v1: `total_inactive_file`. */
    stats?: Record<string, number | undefined>;
  };
}

/**
 * Converts Docker's stats to {@link ContainerStats}, as cadvisor/the docker CLI do: CPU in use is
 * the container's share of the host's CPU time between the previous and this sample, times the
 * online CPUs; the working set is usage minus the inactive file cache. A stopped container
 * (no samples) reports zeros.
 */
export function dockerStatsToContainerStats(raw: DockerStats, now = new Date()): ContainerStats {
  const total = raw.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const cpuDelta = total - (raw.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta =
    (raw.cpu_stats?.system_cpu_usage ?? 0) - (raw.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = raw.cpu_stats?.online_cpus ?? 1;
  const usageNanoCores =
    cpuDelta > 0 && systemDelta > 0 ? Math.round((cpuDelta / systemDelta) * cpus * 1e9) : 0;
  const usage = raw.memory_stats?.usage ?? 0;
  const stats = raw.memory_stats?.stats ?? {};
  const inactive = stats.inactive_file ?? stats.total_inactive_file ?? 0;
  const read = raw.read !== undefined ? Date.parse(raw.read) : NaN;
  // a stopped container's `read` is the zero time (0001-01-01)
  const time = Number.isFinite(read) && read > 0 ? new Date(read) : now;
  return {
    time: time.toISOString(),
    usageNanoCores,
    usageCoreNanoSeconds: total,
    workingSetBytes: Math.max(0, usage - inactive),
    usageBytes: usage,
  };
}

/** Hollow CPU when the container has no CPU limit: 1m. */
const HOLLOW_DEFAULT_NANO_CORES = 1_000_000;
/** Hollow memory when the container has no memory limit: 8 MiB. */
const HOLLOW_DEFAULT_BYTES = 8 * 1024 * 1024;

/**
 * Synthetic, deterministic usage of a hollow container: a tenth of its CPU limit (1m without one)
 * and a quarter of its memory limit (8 MiB without one), plus a little per name so containers
 * differ; CPU time grows with the time it has run.
 */
export function hollowContainerStats(
  spec: { name: string; nanoCpus?: number; memoryBytes?: number },
  runningSeconds: number,
  now = new Date(),
): ContainerStats {
  let h = 0;
  for (const ch of spec.name) h = (h * 31 + ch.charCodeAt(0)) % 1000;
  const usageNanoCores =
    (spec.nanoCpus !== undefined ? Math.round(spec.nanoCpus / 10) : HOLLOW_DEFAULT_NANO_CORES) +
    h * 1000;
  const workingSetBytes =
    (spec.memoryBytes !== undefined ? Math.round(spec.memoryBytes / 4) : HOLLOW_DEFAULT_BYTES) +
    h * 1024;
  return {
    time: now.toISOString(),
    usageNanoCores,
    usageCoreNanoSeconds: Math.round(usageNanoCores * Math.max(0, runningSeconds)),
    workingSetBytes,
    usageBytes: workingSetBytes,
  };
}
