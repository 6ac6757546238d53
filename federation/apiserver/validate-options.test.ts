import { describe, expect, it } from 'vitest';
import { parseApiServerArgs } from '../cmd/run-federation-apiserver.js';
import { resolveOptions } from './options.js';
import { parseTokenFile, TokenFileError } from './token-file.js';
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
        '10.0.0.1',
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

  it('takes booleans bare or with =true/=false, and refuses other values', () => {
    expect(parseApiServerArgs(['--enable-promotion']).enablePromotion).toBe(true);
    expect(parseApiServerArgs(['--enable-promotion=false']).enablePromotion).toBe(false);
    expect(parseApiServerArgs(['-h']).help).toBe(true);
    expect(() => parseApiServerArgs(['--verbose=yes'])).toThrow(TypeError);
    expect(() => parseApiServerArgs(['--nope'])).toThrow(TypeError);
  });
});

describe('--token-auth-file', () => {
  it('parses token,user,uid[,"groups"] lines, skipping comments and blank lines', () => {
    const tokens = parseTokenFile(
      '# promotion\nt1,system:promotion,uid-1\n\nt2,alice,,"dev,ops"\nt3,"bob",u3,"system:masters"\n',
    );
    expect(tokens).toEqual([
      { token: 't1', user: { name: 'system:promotion', uid: 'uid-1', groups: [] } },
      { token: 't2', user: { name: 'alice', groups: ['dev', 'ops'] } },
      { token: 't3', user: { name: 'bob', uid: 'u3', groups: ['system:masters'] } },
    ]);
  });

  it('refuses short lines, missing users and duplicate tokens with the line number', () => {
    expect(() => parseTokenFile('t1,alice\n')).toThrow(TokenFileError);
    expect(() => parseTokenFile('t1,,u\n')).toThrow(/line 1/);
    expect(() => parseTokenFile('t1,a,u\nt1,b,u\n')).toThrow(/line 2: duplicate token/);
    expect(() => parseTokenFile('t1,a,u,"unterminated\n')).toThrow(TokenFileError);
  });
});
