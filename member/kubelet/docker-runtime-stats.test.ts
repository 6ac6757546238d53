import { describe, expect, it } from 'vitest';
import { DockerRuntime } from './docker-runtime.js';

/** A DockerRuntime whose dockerode answers `getContainer(id).stats()` from `answer` (no socket). */
function runtime(answer: (id: string, opts: unknown) => Promise<unknown>): DockerRuntime {
  const rt = new DockerRuntime({ socketPath: '/nonexistent/docker.sock' });
  Object.defineProperty(rt, 'docker', {
    value: { getContainer: (id: string) => ({ stats: (opts: unknown) => answer(id, opts) }) },
  });
  return rt;
}

describe('DockerRuntime.stats', () => {
  it('asks for one sample (stream: false) and converts it', async () => {
    const asked: unknown[] = [];
    const rt = runtime((id, opts) => {
      asked.push([id, opts]);
      return Promise.resolve({
        read: '2026-11-30T01:00:00Z',
        cpu_stats: {
          cpu_usage: { total_usage: 2_000_000_000 },
          system_cpu_usage: 20_000_000_000,
          online_cpus: 2,
        },
        precpu_stats: {
          cpu_usage: { total_usage: 1_000_000_000 },
          system_cpu_usage: 10_000_000_000,
        },
        memory_stats: { usage: 4096, stats: { inactive_file: 1024 } },
      });
    });
    expect(await rt.stats('c1')).toEqual({
      time: '2026-11-30T01:00:00.000Z',
      usageNanoCores: 200_000_000,
      usageCoreNanoSeconds: 2_000_000_000,
      workingSetBytes: 3072,
      usageBytes: 4096,
    });
    expect(asked).toEqual([['c1', { stream: false }]]);
  });

  it('reports nothing for a stopped or vanished container, and passes other errors on', async () => {
    expect(await runtime(() => Promise.resolve({ read: '0001-01-01T00:00:00Z' })).stats('x')).toBe(
      undefined,
    );
    const gone = Object.assign(new Error('no such container'), { statusCode: 404 });
    expect(await runtime(() => Promise.reject(gone)).stats('x')).toBeUndefined();
    const broken = Object.assign(new Error('daemon error'), { statusCode: 500 });
    await expect(runtime(() => Promise.reject(broken)).stats('x')).rejects.toThrow('daemon error');
  });
});
