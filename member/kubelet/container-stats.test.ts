import { describe, expect, it } from 'vitest';
import { dockerStatsToContainerStats, hollowContainerStats } from './container-stats.js';

describe('dockerStatsToContainerStats', () => {
  it('computes cores in use from the two samples and the working set without the file cache', () => {
    const s = dockerStatsToContainerStats({
      read: '2026-11-30T01:00:00.5Z',
      // 0.2 s of container CPU during 2 s of host CPU time over 4 CPUs: 0.4 cores
      cpu_stats: {
        cpu_usage: { total_usage: 5_200_000_000 },
        system_cpu_usage: 102_000_000_000,
        online_cpus: 4,
      },
      precpu_stats: {
        cpu_usage: { total_usage: 5_000_000_000 },
        system_cpu_usage: 100_000_000_000,
      },
      memory_stats: { usage: 50 * 1024 * 1024, stats: { inactive_file: 10 * 1024 * 1024 } },
    });
    expect(s).toEqual({
      time: '2026-11-30T01:00:00.500Z',
      usageNanoCores: 400_000_000,
      usageCoreNanoSeconds: 5_200_000_000,
      workingSetBytes: 40 * 1024 * 1024,
      usageBytes: 50 * 1024 * 1024,
    });
  });

  it('reads cgroup v1 total_inactive_file, and gives zeros without a previous sample', () => {
    const now = new Date('2026-11-30T02:00:00Z');
    const s = dockerStatsToContainerStats(
      {
        read: '0001-01-01T00:00:00Z',
        cpu_stats: { cpu_usage: { total_usage: 1000 }, system_cpu_usage: 5000, online_cpus: 2 },
        precpu_stats: {},
        memory_stats: { usage: 3000, stats: { total_inactive_file: 1000 } },
      },
      now,
    );
    expect(s.time).toBe(now.toISOString());
    expect(s.usageNanoCores).toBe((1000 / 5000) * 2 * 1e9);
    expect(s.workingSetBytes).toBe(2000);
    const empty = dockerStatsToContainerStats({}, now);
    expect(empty).toMatchObject({ usageNanoCores: 0, workingSetBytes: 0, usageBytes: 0 });
  });
});

describe('hollowContainerStats', () => {
  it('is deterministic, follows the limits and grows CPU time with the run time', () => {
    const now = new Date('2026-11-30T02:00:00Z');
    const limited = hollowContainerStats(
      { name: 'web', nanoCpus: 500_000_000, memoryBytes: 256 * 1024 * 1024 },
      10,
      now,
    );
    expect(limited).toEqual(
      hollowContainerStats(
        { name: 'web', nanoCpus: 500_000_000, memoryBytes: 256 * 1024 * 1024 },
        10,
        now,
      ),
    );
    expect(limited.usageNanoCores).toBeGreaterThanOrEqual(50_000_000);
    expect(limited.usageNanoCores).toBeLessThan(51_000_000);
    expect(limited.workingSetBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(limited.usageCoreNanoSeconds).toBe(limited.usageNanoCores * 10);
    const plain = hollowContainerStats({ name: 'web' }, 0, now);
    expect(plain.usageNanoCores).toBeGreaterThanOrEqual(1_000_000);
    expect(plain.workingSetBytes).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(hollowContainerStats({ name: 'sidecar' }, 0, now).usageNanoCores).not.toBe(
      plain.usageNanoCores,
    );
  });
});
