import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureDeps } from '../../machinery/cmd/testing.js';
import { runCommand } from '../../machinery/cmd/run-command.js';
import { loadOrCreatePki } from '../../machinery/apiserver/cluster-pki.js';
import {
  apiServerConfig,
  federationApiServerCommand,
  parseApiServerArgs,
} from '../cmd/run-federation-apiserver.js';
import { resolveOptions } from './options.js';
import { validateOptions } from './validate-options.js';

const flags = (o: ReturnType<typeof validateOptions>): string[] => o.map((p) => p.flag);

describe('federation API server options', () => {
  it('accepts the minimal flags and fills kube-apiserver-like defaults', () => {
    const o = resolveOptions(
      parseApiServerArgs(['--etcd-servers', 'http://127.0.0.1:2379', '--pki-dir', '/pki']),
    );
    expect(validateOptions(o)).toEqual([]);
    expect(o).toMatchObject({ bindAddress: '127.0.0.1', securePort: 6443, enablePromotion: false });
  });

  it('reports every problem at once', () => {
    const o = resolveOptions(
      parseApiServerArgs([
        '--etcd-servers',
        'http://127.0.0.1:2379,ftp://x',
        '--etcd-prefix',
        'noslash',
        '--etcd-cafile',
        'ca.crt',
        '--bind-address',
        'not-an-ip',
        '--secure-port',
        '70000',
        '--audit-log-path',
        'audit.log',
      ]),
    );
    expect(flags(validateOptions(o))).toEqual([
      '--etcd-servers',
      '--etcd-prefix',
      '--etcd-cafile',
      '--pki-dir',
      '--bind-address',
      '--secure-port',
      '--audit-log-path',
    ]);
  });

  it('takes the dashboard session lifetime as a duration (8h by default)', () => {
    const base = ['--etcd-servers', 'http://127.0.0.1:2379', '--pki-dir', '/pki'];
    expect(resolveOptions(parseApiServerArgs(base)).dashboardSessionTtlMs).toBe(8 * 3600_000);
    const o = resolveOptions(parseApiServerArgs([...base, '--dashboard-session-ttl', '30m']));
    expect(o.dashboardSessionTtlMs).toBe(1_800_000);
    expect(validateOptions(o)).toEqual([]);
    for (const bad of ['soon', '0s']) {
      const b = resolveOptions(parseApiServerArgs([...base, '--dashboard-session-ttl', bad]));
      expect(flags(validateOptions(b)), bad).toEqual(['--dashboard-session-ttl']);
    }
  });

  it('takes --watch-cache bare or =true/=false (default true) and passes it to the server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'federation-apiserver-wc-'));
    loadOrCreatePki(dir, 'federation');
    const base = ['--etcd-servers', 'http://127.0.0.1:2379', '--pki-dir', dir];
    const on = resolveOptions(parseApiServerArgs(base));
    expect(on.watchCache).toBe(true);
    expect(apiServerConfig(on, undefined).watchCache).toBe(true);
    expect(resolveOptions(parseApiServerArgs([...base, '--watch-cache'])).watchCache).toBe(true);
    const off = resolveOptions(parseApiServerArgs([...base, '--watch-cache=false']));
    expect(off.watchCache).toBe(false);
    expect(validateOptions(off)).toEqual([]);
    expect(apiServerConfig(off, undefined).watchCache).toBe(false);
  });

  it('refuses a --watch-cache that is not a boolean with a usage error', async () => {
    const argv = ['--etcd-servers', 'http://127.0.0.1:2379', '--pki-dir', '/pki'];
    expect(() => parseApiServerArgs([...argv, '--watch-cache=maybe'])).toThrow(
      new TypeError('--watch-cache must be true or false, got "maybe"'),
    );
    const u = captureDeps();
    const cmd = federationApiServerCommand(undefined);
    expect(await runCommand(cmd, [...argv, '--watch-cache=maybe'], u.deps)).toBe(2);
    expect(u.err.join('')).toContain('--watch-cache must be true or false, got "maybe"');
    expect(u.err.join('')).toContain('usage: flotilla-federation-apiserver');
    const h = captureDeps();
    expect(await runCommand(cmd, ['--help'], h.deps)).toBe(0);
    expect(h.out.join('')).toContain('--watch-cache BOOL');
  });

  it('takes booleans bare or with =true/=false, and refuses other values', () => {
    expect(parseApiServerArgs(['--enable-promotion']).enablePromotion).toBe(true);
    expect(parseApiServerArgs(['--enable-promotion=false']).enablePromotion).toBe(false);
    expect(parseApiServerArgs(['-h']).help).toBe(true);
    expect(() => parseApiServerArgs(['--verbose=yes'])).toThrow(TypeError);
    expect(() => parseApiServerArgs(['--nope'])).toThrow(TypeError);
  });
});
