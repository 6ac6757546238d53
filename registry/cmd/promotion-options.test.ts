import { describe, expect, it } from 'vitest';
import { parseServiceArgs, parseWorkerArgs } from './promotion-options.js';
import { parseRegistryUsers } from './run-promotion-command.js';
import { validateServiceOptions, validateWorkerOptions } from './validate-promotion-options.js';

const required = [
  '--kubeconfig',
  '/k',
  '--redis',
  '127.0.0.1:6379',
  '--environments',
  'dev,prod',
  '--notification-secret-file',
  '/n',
  '--token-signing-cert-file',
  '/c',
  '--token-signing-key-file',
  '/k2',
];

describe('promotion service options', () => {
  it('parses flags with defaults and accepts them', () => {
    const { help, opts } = parseServiceArgs(required);
    expect(help).toBe(false);
    expect(opts).toMatchObject({
      listen: '127.0.0.1:0',
      tokenListen: '127.0.0.1:0',
      environments: ['dev', 'prod'],
      protectedEnvironments: ['prod'],
      workerUser: 'system:promotion',
      queue: 'flotilla-replication',
    });
    expect(validateServiceOptions(opts)).toEqual([]);
  });

  it('reports every problem at once', () => {
    const { opts } = parseServiceArgs([
      '--redis',
      'nohost',
      '--listen',
      '0.0.0.0',
      '--tls-cert-file',
      '/c',
      '--environments',
      'Dev',
      '--protected-environments',
      'prod',
      '--worker-user',
      'a=b',
    ]);
    expect(validateServiceOptions(opts).map((p) => p.flag)).toEqual([
      '--kubeconfig',
      '--redis',
      '--listen',
      '--tls-key-file',
      '--notification-secret-file',
      '--token-signing-cert-file',
      '--token-signing-key-file',
      '--environments',
      '--protected-environments',
      '--worker-user',
    ]);
  });

  it('throws on unknown flags', () => {
    expect(() => parseServiceArgs(['--bogus'])).toThrow(/bogus/);
  });

  it('takes --metrics-bind-address on loopback only', () => {
    const ok = parseServiceArgs([...required, '--metrics-bind-address', '127.0.0.1:9100']).opts;
    expect(ok.metricsBindAddress).toBe('127.0.0.1:9100');
    expect(validateServiceOptions(ok)).toEqual([]);
    expect(parseServiceArgs(required).opts.metricsBindAddress).toBeUndefined();
    for (const bad of ['0.0.0.0:9100', 'localhost:9100', '127.0.0.1']) {
      const opts = parseServiceArgs([...required, '--metrics-bind-address', bad]).opts;
      expect(validateServiceOptions(opts).map((p) => p.flag)).toEqual(['--metrics-bind-address']);
    }
  });
});

describe('promotion worker options', () => {
  it('parses numbers and lists', () => {
    const { opts } = parseWorkerArgs([
      '--kubeconfig',
      '/k',
      '--redis',
      '127.0.0.1:6379',
      '--worker-concurrency',
      '3',
      '--registry-user',
      'system:promotion',
      '--registry-password-file',
      '/p',
      '--registry-urls',
      'https://127.0.0.1:5000, http://127.0.0.1:5001',
    ]);
    expect(opts).toMatchObject({
      workerConcurrency: 3,
      copyAttempts: 6,
      lockDurationMs: 30_000,
      registryUrls: ['https://127.0.0.1:5000', 'http://127.0.0.1:5001'],
    });
    expect(validateWorkerOptions(opts)).toEqual([]);
  });

  it('reports every problem at once', () => {
    const { opts } = parseWorkerArgs([
      '--worker-concurrency',
      '0',
      '--copy-attempts',
      'x',
      '--lock-duration-ms',
      '10',
      '--registry-password-file',
      '/p',
      '--registry-urls',
      'ftp://x',
    ]);
    expect(validateWorkerOptions(opts).map((p) => p.flag)).toEqual([
      '--kubeconfig',
      '--redis',
      '--worker-concurrency',
      '--copy-attempts',
      '--lock-duration-ms',
      '--registry-user',
      '--registry-urls',
    ]);
  });

  it('takes --metrics-bind-address on loopback only', () => {
    const base = ['--kubeconfig', '/k', '--redis', '127.0.0.1:6379'];
    const ok = parseWorkerArgs([...base, '--metrics-bind-address', '127.0.0.1:0']).opts;
    expect(ok.metricsBindAddress).toBe('127.0.0.1:0');
    expect(validateWorkerOptions(ok)).toEqual([]);
    expect(parseWorkerArgs(base).opts.metricsBindAddress).toBeUndefined();
    for (const bad of ['0.0.0.0:9100', 'localhost']) {
      const opts = parseWorkerArgs([...base, '--metrics-bind-address', bad]).opts;
      expect(validateWorkerOptions(opts).map((p) => p.flag)).toEqual(['--metrics-bind-address']);
    }
  });
});

describe('registry users file', () => {
  it('reads user=password lines, user names may hold colons', () => {
    expect(parseRegistryUsers('# c\nalice=pw1\n\nsystem:promotion=a=b\n')).toEqual({
      alice: 'pw1',
      'system:promotion': 'a=b',
    });
    expect(parseRegistryUsers('alice\n')).toBe('line 1 is not user=password');
  });
});
