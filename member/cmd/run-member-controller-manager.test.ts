import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureDeps } from '../../machinery/cmd/testing.js';
import { runCommand } from '../../machinery/cmd/run-command.js';
import {
  memberControllerManagerCommand,
  parseControllerManagerArgs,
} from './run-member-controller-manager.js';
import { validateControllerManagerOptions } from './validate-controller-manager-options.js';

describe('member-controller-manager command', () => {
  it('parses flags: durations, booleans, defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'member-cm-opts-'));
    const kc = join(dir, 'kubeconfig');
    writeFileSync(kc, '');
    const { opts } = parseControllerManagerArgs([
      '--kubeconfig',
      kc,
      '--leader-elect=false',
      '--scheduler',
      '--leader-elect-lease-duration',
      '20s',
      '--node-grace-period',
      '40',
      '--pod-eviction-timeout',
      '5m0s',
      '--metrics-bind-address',
      '127.0.0.1:0',
    ]);
    expect(opts).toMatchObject({
      kubeconfig: kc,
      leaderElect: false,
      scheduler: true,
      leaseDurationMs: 20_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      leaseName: 'flotilla-member-controller-manager',
      leaseNamespace: 'kube-system',
      nodeGracePeriodMs: 40_000,
      podEvictionTimeoutMs: 300_000,
      controllers: '*',
    });
    expect(validateControllerManagerOptions(opts)).toEqual([]);
  });

  it('reports every problem at once', () => {
    const { opts } = parseControllerManagerArgs([
      '--controllers',
      '*,-nope',
      '--leader-elect-lease-duration',
      '5s',
      '--leader-elect-renew-deadline',
      '6s',
      '--node-grace-period',
      'later',
      '--metrics-bind-address',
      '10.0.0.1:9000',
      '--cluster-signing-cert-file',
      '/nonexistent/ca.crt',
    ]);
    const flags = validateControllerManagerOptions(opts).map((p) => p.flag);
    for (const f of [
      '--kubeconfig',
      '--controllers',
      '--leader-elect-renew-deadline',
      '--node-grace-period',
      '--metrics-bind-address',
      '--cluster-signing-key-file',
      '--cluster-signing-cert-file',
    ]) {
      expect(flags).toContain(f);
    }
  });

  it('takes --cluster-cidr inside 127.0.0.0/8 only, and exits 2 for anything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'member-cm-cidr-'));
    const kc = join(dir, 'kubeconfig');
    writeFileSync(kc, '');
    const ok = parseControllerManagerArgs(['--kubeconfig', kc, '--cluster-cidr', '127.16.24.0/21']);
    expect(ok.opts).toMatchObject({ clusterCidr: '127.16.24.0/21', nodeCidrMaskSize: 24 });
    expect(validateControllerManagerOptions(ok.opts)).toEqual([]);
    const problems = (argv: string[]): string[] =>
      validateControllerManagerOptions(
        parseControllerManagerArgs(['--kubeconfig', kc, ...argv]).opts,
      ).map((p) => `${p.flag}: ${p.message}`);
    expect(problems(['--cluster-cidr', '10.244.0.0/16']).join()).toContain(
      '--cluster-cidr: 10.244.0.0/16 is not inside 127.0.0.0/8',
    );
    expect(problems(['--cluster-cidr', '127.1.2.3/16']).join()).toContain('not an IPv4 CIDR');
    expect(problems(['--cluster-cidr', '127.16.0.0/21', '--node-cidr-mask-size', '20'])).toEqual([
      "--node-cidr-mask-size: 20 is shorter than the cluster CIDR's prefix /21",
    ]);
    expect(
      problems(['--cluster-cidr', '127.16.0.0/16', '--node-cidr-mask-size', 'x']).join(),
    ).toContain('--node-cidr-mask-size: must be an integer');
    expect(problems(['--allocate-node-cidrs=true'])).toEqual([
      '--allocate-node-cidrs: needs --cluster-cidr (the range node pod CIDRs are cut from)',
    ]);
    expect(ok.opts.maxEndpointsPerSlice).toBe(100);
    expect(problems(['--max-endpoints-per-slice', '1001'])).toEqual([
      '--max-endpoints-per-slice: must be an integer between 1 and 1000',
    ]);
    expect(problems(['--max-endpoints-per-slice', '50'])).toEqual([]);
    const e = captureDeps();
    expect(
      await runCommand(
        memberControllerManagerCommand,
        ['--kubeconfig', kc, '--cluster-cidr', '192.168.0.0/16'],
        e.deps,
      ),
    ).toBe(2);
    expect(e.err.join('')).toContain('is not inside 127.0.0.0/8');
  });

  it('exits 0 for --help and 2 for unknown flags or bad booleans', async () => {
    const h = captureDeps();
    expect(await runCommand(memberControllerManagerCommand, ['-h'], h.deps)).toBe(0);
    expect(h.out.join('')).toContain('usage: flotilla-member-controller-manager');
    const u = captureDeps();
    expect(await runCommand(memberControllerManagerCommand, ['--bogus'], u.deps)).toBe(2);
    const b = captureDeps();
    expect(await runCommand(memberControllerManagerCommand, ['--leader-elect=maybe'], b.deps)).toBe(
      2,
    );
    expect(b.err.join('')).toContain('--leader-elect must be true or false');
  });
});
