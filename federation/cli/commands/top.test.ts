import { describe, expect, it } from 'vitest';
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import { printTable } from '../printers/index.js';
import { FakeApi, runFake } from './testing/fake-cli.js';
import { clusterUsage, humanBytes, humanCpu, topClusterRows, topCommand } from './top.js';
import { memberUsageRows, nodeUsages, podUsages } from './top-members.js';

const cluster = (name: string, withSummary = true): Cluster => ({
  apiVersion: 'cluster.flotilla.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name },
  spec: {
    apiEndpoint: 'https://127.0.0.1:1',
    secretRef: { namespace: 'flotilla-system', name },
    region: 'eu',
  },
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'ClusterReady' }],
    ...(withSummary
      ? {
          resourceSummary: {
            allocatablePods: 220,
            allocatedPods: 11,
            readyNodes: 2,
            allocatable: { cpu: '8', memory: '16Gi', pods: '220' },
            allocated: { cpu: '1500m', memory: '4Gi', pods: '11' },
          },
        }
      : {}),
  },
});

describe('top clusters', () => {
  it('computes requested/allocatable and percentages', () => {
    const u = clusterUsage(cluster('m1'));
    expect(u.cpu).toEqual({ requested: 1.5, allocatable: 8, percent: 19 });
    expect(u.memory.percent).toBe(25);
    expect(u.pods).toEqual({ requested: 11, allocatable: 220, percent: 5 });
    expect(humanCpu(1.5)).toBe('1500m');
    expect(humanCpu(8)).toBe('8');
    expect(humanBytes(4 * 1024 ** 3)).toBe('4Gi');
    expect(humanBytes(7.54 * 1024 ** 3)).toBe('7.5Gi');
    expect(humanBytes(512 * 1024 ** 2)).toBe('512Mi');
  });

  it('prints the table, <unknown> for clusters without a summary, wide extras', () => {
    const t = topClusterRows(
      [clusterUsage(cluster('m1')), clusterUsage(cluster('m2', false))],
      false,
    );
    expect(printTable(t.headers, t.rows)).toBe(
      [
        'NAME   READY   NODES       CPU(REQUESTED/ALLOCATABLE)   CPU%        MEMORY(REQUESTED/ALLOCATABLE)   MEMORY%     PODS',
        'm1     True    2           1500m/8                      19%         4Gi/16Gi                        25%         11/220',
        'm2     True    <unknown>   <unknown>                    <unknown>   <unknown>                       <unknown>   <unknown>',
        '',
      ].join('\n'),
    );
    const w = topClusterRows([clusterUsage(cluster('m1'))], true);
    expect(w.headers.slice(-4)).toEqual(['pods%', 'mode', 'region', 'zone']);
    expect(w.rows[0]?.slice(-4)).toEqual(['5%', 'Push', 'eu', '']);
  });

  it('runs against the federation with every output format', async () => {
    const api = new FakeApi();
    api.seed(CLUSTERS, cluster('m2', false));
    api.seed(CLUSTERS, cluster('m1'));
    const table = await runFake(topCommand, ['clusters'], api);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[1]).toMatch(/^m1\s+True\s+2\s+1500m\/8\s+19%/);
    const json = JSON.parse(
      (await runFake(topCommand, ['clusters', '-o', 'json'], api)).stdout,
    ) as {
      items: { name: string; cpu: { percent?: number } }[];
    };
    expect(json.items.map((i) => [i.name, i.cpu.percent])).toEqual([
      ['m1', 19],
      ['m2', undefined],
    ]);
    expect((await runFake(topCommand, ['clusters', '-o', 'yaml'], api)).stdout).toContain(
      'kind: ClusterUsageList\n',
    );
    expect((await runFake(topCommand, ['clusters', 'm1', '-o', 'name'], api)).stdout).toBe(
      'cluster/m1\n',
    );
    expect((await runFake(topCommand, ['clusters', '-o', 'wide'], api)).stdout).toContain('MODE');
  });

  it('refuses bad input with a clear message', async () => {
    const api = new FakeApi();
    expect((await runFake(topCommand, [], api)).code).toBe(2);
    expect((await runFake(topCommand, ['widgets'], api)).code).toBe(2);
    expect((await runFake(topCommand, ['nodes', 'n1'], api)).code).toBe(2);
    const bad = await runFake(topCommand, ['pods', '--clusters', 'Bad_Name'], api);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid cluster name "Bad_Name"/);
    expect((await runFake(topCommand, ['clusters', 'zz'], api)).code).toBe(1);
  });
});

describe('top nodes|pods', () => {
  it('computes node usage against allocatable and sums pod containers', () => {
    const nodes = nodeUsages(
      'm1',
      [
        {
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'NodeMetrics',
          metadata: { name: 'n1' },
          usage: { cpu: '250000000n', memory: '512Mi' },
        },
        {
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'NodeMetrics',
          metadata: { name: 'n2' },
          usage: { cpu: '0', memory: '0Ki' },
        },
      ],
      [
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: 'n1' },
          status: { allocatable: { cpu: '2', memory: '4Gi' } },
        },
      ],
    );
    expect(nodes).toEqual([
      {
        cluster: 'm1',
        name: 'n1',
        cpu: 0.25,
        memory: 512 * 1024 ** 2,
        cpuPercent: 13,
        memoryPercent: 13,
      },
      { cluster: 'm1', name: 'n2', cpu: 0, memory: 0 },
    ]);
    const t = memberUsageRows('nodes', nodes, false);
    expect(printTable(t.headers, t.rows)).toBe(
      [
        'CLUSTER   NAME   CPU(CORES)   CPU%        MEMORY(BYTES)   MEMORY%',
        'm1        n1     250m         13%         512Mi           13%',
        'm1        n2     0m           <unknown>   0Mi             <unknown>',
        '',
      ].join('\n'),
    );
    const pods = podUsages('m2', [
      {
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'PodMetrics',
        metadata: { name: 'web', namespace: 'shop' },
        containers: [
          { name: 'a', usage: { cpu: '5m', memory: '10Mi' } },
          { name: 'b', usage: { cpu: '1500u', memory: '6Mi' } },
        ],
      },
    ]);
    expect(pods.map((p) => [p.cluster, p.namespace, p.name, p.memory])).toEqual([
      ['m2', 'shop', 'web', 16 * 1024 ** 2],
    ]);
    expect(pods[0]?.cpu).toBeCloseTo(0.0065, 9);
    expect(memberUsageRows('pods', pods, true).rows).toEqual([['m2', 'shop', 'web', '7m', '16Mi']]);
    expect(memberUsageRows('pods', pods, false).headers).toEqual([
      'cluster',
      'name',
      'cpu(cores)',
      'memory(bytes)',
    ]);
  });
});
