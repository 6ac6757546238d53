import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureDeps } from '../../machinery/cmd/testing.js';
import { runCommand } from '../../machinery/cmd/run-command.js';
import {
  apiServerOptions,
  memberApiServerCommand,
  parseApiServerArgs,
} from './run-member-apiserver.js';
import { validateApiServerOptions } from './validate-apiserver-options.js';

describe('member-apiserver command', () => {
  it('parses kube-apiserver-style flags with defaults', () => {
    const { opts } = parseApiServerArgs([
      '--cluster-name',
      'm1',
      '--etcd-servers',
      'http://127.0.0.1:2379, http://127.0.0.1:2381',
      '--pki-dir',
      '/tmp/pki',
      '--cluster-dns',
      '127.0.0.1:5353',
    ]);
    expect(opts).toMatchObject({
      clusterName: 'm1',
      etcdServers: ['http://127.0.0.1:2379', 'http://127.0.0.1:2381'],
      bindAddress: '127.0.0.1',
      securePort: 6443,
      clusterDns: '127.0.0.1:5353',
      serviceClusterIpRange: '10.96.0.0/16',
      serviceNodePortRange: '30000-32767',
    });
    expect(validateApiServerOptions(opts)).toEqual([]);
    const loop = parseApiServerArgs([
      ...['--cluster-name', 'm1', '--etcd-servers', 'http://127.0.0.1:2379'],
      ...['--pki-dir', '/tmp/pki', '--service-cluster-ip-range', '127.16.16.0/24'],
      ...['--service-node-port-range', '31000-31999'],
    ]).opts;
    expect(loop).toMatchObject({
      serviceClusterIpRange: '127.16.16.0/24',
      serviceNodePortRange: '31000-31999',
    });
    expect(validateApiServerOptions(loop)).toEqual([]);
  });

  it('reports every problem at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'member-apiserver-opts-'));
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, 'only-a-token\n');
    const { opts } = parseApiServerArgs([
      '--etcd-servers',
      'etcd:2379',
      '--secure-port',
      '70000',
      '--etcd-cafile',
      join(dir, 'missing.crt'),
      '--audit-log-path',
      join(dir, 'audit.log'),
      '--token-auth-file',
      tokens,
      '--cluster-dns',
      'dns',
      '--bind-address',
      'localhost',
      '--service-cluster-ip-range',
      '127.16.16.0/30',
      '--service-node-port-range',
      '32000-31000',
    ]);
    const flags = validateApiServerOptions(opts).map((p) => p.flag);
    for (const f of [
      '--cluster-name',
      '--etcd-servers',
      '--pki-dir',
      '--secure-port',
      '--etcd-cafile',
      '--audit-log-path',
      '--token-auth-file',
      '--cluster-dns',
      '--bind-address',
      '--service-cluster-ip-range',
      '--service-node-port-range',
    ]) {
      expect(flags).toContain(f);
    }
  });

  it('takes --watch-cache bare or =true/=false (default true) and passes it to the server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'member-apiserver-wc-'));
    const base = ['--cluster-name', 'm1', '--etcd-servers', 'http://127.0.0.1:2379'];
    const args = [...base, '--pki-dir', join(dir, 'pki')];
    expect(parseApiServerArgs(args).opts.watchCache).toBe(true);
    expect(parseApiServerArgs([...args, '--watch-cache']).opts.watchCache).toBe(true);
    expect(parseApiServerArgs([...args, '--watch-cache=true']).opts.watchCache).toBe(true);
    const off = parseApiServerArgs([...args, '--watch-cache=false', '--verbose']).opts;
    expect(off).toMatchObject({ watchCache: false, verbose: true });
    expect(validateApiServerOptions(off)).toEqual([]);
    expect(apiServerOptions(off).watchCache).toBe(false);
    expect(apiServerOptions(parseApiServerArgs(args).opts).watchCache).toBe(true);
  });

  it('refuses a --watch-cache that is not a boolean with a usage error', async () => {
    const u = captureDeps();
    const argv = ['--cluster-name', 'm1', '--etcd-servers', 'http://127.0.0.1:2379'];
    expect(
      await runCommand(
        memberApiServerCommand,
        [...argv, '--pki-dir', '/tmp/pki', '--watch-cache=maybe'],
        u.deps,
      ),
    ).toBe(2);
    expect(u.err.join('')).toContain('--watch-cache must be true or false, got "maybe"');
    expect(u.err.join('')).toContain('usage: flotilla-member-apiserver');
  });

  it('exits 0 for --help and 2 for unknown or invalid flags', async () => {
    const h = captureDeps();
    expect(await runCommand(memberApiServerCommand, ['--help'], h.deps)).toBe(0);
    expect(h.out.join('')).toContain('usage: flotilla-member-apiserver');
    expect(h.out.join('')).toContain('--watch-cache BOOL');
    const u = captureDeps();
    expect(await runCommand(memberApiServerCommand, ['--bogus'], u.deps)).toBe(2);
    expect(u.err.join('')).toContain('bogus');
    const v = captureDeps();
    expect(await runCommand(memberApiServerCommand, [], v.deps)).toBe(2);
    expect(v.err.join('')).toContain('--cluster-name: is required');
  });
});
