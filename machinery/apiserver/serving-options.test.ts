import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  eventTtlSecondsOf,
  servingDefaults,
  servingOptionsOf,
  validateServingOptions,
  type ApiServerServingOptions,
} from './serving-options.js';

const valid: ApiServerServingOptions = {
  ...servingDefaults,
  etcdServers: ['http://127.0.0.1:2379'],
  etcdPrefix: undefined,
  pkiDir: '/pki',
};

describe('API server serving options', () => {
  it('reads the shared flags, unset ones undefined', () => {
    expect(
      servingOptionsOf({ 'etcd-servers': 'http://a:1, http://b:2', 'secure-port': '0' }),
    ).toMatchObject({
      etcdServers: ['http://a:1', 'http://b:2'],
      securePort: 0,
      pkiDir: undefined,
      tokenAuthFile: undefined,
    });
  });

  it('reads --event-ttl as a duration (default 1h, 0 keeps Events) and refuses bad ones', () => {
    expect(servingDefaults.eventTtlMs).toBe(3_600_000);
    expect(servingOptionsOf({ 'event-ttl': '5m' }).eventTtlMs).toBe(300_000);
    expect(eventTtlSecondsOf({ eventTtlMs: 1_500 })).toBe(2);
    expect(validateServingOptions({ ...valid, eventTtlMs: 0 }, { bindAddress: 'ip' })).toEqual([]);
    for (const v of ['soon', '-1s', '500ms']) {
      const o = { ...valid, eventTtlMs: servingOptionsOf({ 'event-ttl': v }).eventTtlMs ?? 0 };
      expect(validateServingOptions(o, { bindAddress: 'ip' }).map((p) => p.flag)).toEqual([
        '--event-ttl',
      ]);
    }
  });

  it('reads --watch-cache as a kube-style boolean (default true) and refuses other values', () => {
    expect(servingDefaults.watchCache).toBe(true);
    expect(servingOptionsOf({}).watchCache).toBeUndefined();
    expect(servingOptionsOf({ 'watch-cache': 'false' }).watchCache).toBe(false);
    expect(servingOptionsOf({ 'watch-cache': 'true' }).watchCache).toBe(true);
    expect(() => servingOptionsOf({ 'watch-cache': 'maybe' })).toThrow(
      new TypeError('--watch-cache must be true or false, got "maybe"'),
    );
  });

  it('accepts valid options on either kind of bind address', () => {
    expect(validateServingOptions(valid, { bindAddress: 'loopback' })).toEqual([]);
    expect(validateServingOptions(valid, { bindAddress: 'ip', files: true })).toEqual([]);
  });

  it('reports every problem at once, in flag order', () => {
    const o: ApiServerServingOptions = {
      ...valid,
      etcdServers: ['http://127.0.0.1:2379', 'ftp://x'],
      etcdPrefix: 'noslash',
      etcdCaFile: 'ca.crt',
      pkiDir: '',
      bindAddress: '10.0.0.1',
      securePort: 70000,
      auditLogPath: 'audit.log',
      tokenAuthFile: '',
    };
    expect(validateServingOptions(o, { bindAddress: 'loopback' }).map((p) => p.flag)).toEqual([
      '--etcd-servers',
      '--etcd-prefix',
      '--etcd-cafile',
      '--pki-dir',
      '--bind-address',
      '--secure-port',
      '--audit-log-path',
      '--token-auth-file',
    ]);
    expect(
      validateServingOptions({ ...valid, bindAddress: 'localhost' }, { bindAddress: 'ip' }),
    ).toEqual([{ flag: '--bind-address', message: '"localhost" is not an IP address' }]);
  });

  it('wants https:// etcd URLs with etcd client TLS', () => {
    const o = { ...valid, etcdCaFile: 'a', etcdCertFile: 'b', etcdKeyFile: 'c' };
    expect(validateServingOptions(o, { bindAddress: 'loopback' })).toEqual([
      { flag: '--etcd-servers', message: 'must be https:// URLs with etcd client TLS' },
    ]);
  });

  it('checks that files exist and the token file parses when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'serving-options-'));
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, 'only-a-token\n');
    const o = {
      ...valid,
      encryptionProviderConfig: join(dir, 'missing.yaml'),
      tokenAuthFile: tokens,
    };
    expect(validateServingOptions(o, { bindAddress: 'ip' })).toEqual([]);
    expect(validateServingOptions(o, { bindAddress: 'ip', files: true })).toEqual([
      {
        flag: '--encryption-provider-config',
        message: `${join(dir, 'missing.yaml')} does not exist`,
      },
      { flag: '--token-auth-file', message: 'line 1: expected token,user,uid[,"group1,group2"]' },
    ]);
  });
});
