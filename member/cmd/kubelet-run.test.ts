import { describe, expect, it } from 'vitest';
import { captureDeps } from '../../machinery/cmd/testing.js';
import { resolveKubeletOptions } from './kubelet-options.js';
import { kubeletProcessOptions, parseKubeletArgs, runKubelet } from './kubelet-run.js';
import { validateKubeletOptions } from './kubelet-validate-options.js';

describe('flotilla-kubelet command', () => {
  it('parses flags into options with defaults', () => {
    const p = parseKubeletArgs([
      '--node-name',
      'n1',
      '--node-ip',
      '127.0.9.1',
      '--kubeconfig',
      '/tmp/k/kubeconfig',
      '--bootstrap-kubeconfig',
      '/tmp/boot',
      '--runtime',
      'hollow',
      '--node-labels',
      'zone=a,tier=web',
      '--node-status-update-frequency',
      '2',
    ]);
    const o = resolveKubeletOptions(p);
    expect(validateKubeletOptions(o)).toEqual([]);
    expect(o).toMatchObject({ port: 10250, runtime: 'hollow', clusterId: '' });
    const proc = kubeletProcessOptions(o);
    expect(proc).toMatchObject({
      nodeName: 'n1',
      nodeIp: '127.0.9.1',
      port: 10250,
      certDir: '/tmp/k/pki',
      bootstrapKubeconfig: '/tmp/boot',
      kubelet: { labels: { zone: 'a', tier: 'web' }, heartbeatMs: 2000, syncPeriodMs: 1000 },
    });
  });

  it('lists every invalid flag at once', () => {
    const o = resolveKubeletOptions({
      nodeIp: '10.0.0.256',
      runtime: 'x',
      port: 70000,
      nodeLabels: 'bad key=v',
      syncFrequency: 0,
    });
    expect(validateKubeletOptions(o).map((p) => p.flag)).toEqual([
      '--node-name',
      '--node-ip',
      '--kubeconfig',
      '--port',
      '--runtime',
      '--node-labels',
      '--sync-frequency',
    ]);
  });

  it('exits 0 for --help and 2 for unknown or invalid flags', async () => {
    const h = captureDeps();
    expect(await runKubelet(['--help'], h.deps)).toBe(0);
    expect(h.out.join('')).toContain('usage: flotilla-kubelet');
    const u = captureDeps();
    expect(await runKubelet(['--bogus'], u.deps)).toBe(2);
    expect(u.err.join('')).toContain('bogus');
    const b = captureDeps();
    expect(await runKubelet(['--node-name', 'n1'], b.deps)).toBe(2);
    expect(b.err.join('')).toContain('--node-ip: is required');
  });
});
