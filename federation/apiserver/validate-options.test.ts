import { describe, expect, it } from 'vitest';
import { parseApiServerArgs } from '../cmd/run-federation-apiserver.js';
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

  it('takes booleans bare or with =true/=false, and refuses other values', () => {
    expect(parseApiServerArgs(['--enable-promotion']).enablePromotion).toBe(true);
    expect(parseApiServerArgs(['--enable-promotion=false']).enablePromotion).toBe(false);
    expect(parseApiServerArgs(['-h']).help).toBe(true);
    expect(() => parseApiServerArgs(['--verbose=yes'])).toThrow(TypeError);
    expect(() => parseApiServerArgs(['--nope'])).toThrow(TypeError);
  });
});
