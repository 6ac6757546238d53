import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  kubeconfigFor,
  loadKubeconfig,
  type ContextConnection,
} from '../../machinery/client/kubeconfig.js';
import { BadRequestError } from '../../machinery/errors/index.js';
import {
  cidrMatcher,
  clusterDnsDefaults,
  federationConnection,
  resolverDefaults,
  validateClusterDnsOptions,
  validateResolverOptions,
} from './options.js';

describe('dns cmd options', () => {
  it('accepts defaults with a server', () => {
    expect(
      validateClusterDnsOptions({ ...clusterDnsDefaults, server: 'http://127.0.0.1:1' }),
    ).toEqual([]);
    expect(
      validateResolverOptions({
        ...resolverDefaults,
        routes: [{ zone: 'member1.local', servers: ['127.0.0.1:5353'] }],
        upstreams: [],
        clientClusters: [],
      }),
    ).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(
      validateClusterDnsOptions({
        server: 'x',
        zone: 'bad..zone',
        host: '127.0.0.1',
        port: 70000,
        ttl: -1,
        workers: 1,
      }),
    ).toHaveLength(4);
    const errs = validateResolverOptions({
      ...resolverDefaults,
      port: -1,
      routes: [{ zone: 'a_b', servers: [] }],
      upstreams: ['nohost'],
      clientClusters: [{ cidr: '10.0.0.0/40', cluster: 'a' }],
      maxInflight: 0,
      maxTcpConnections: 0,
    });
    expect(errs).toHaveLength(7);
  });

  const base = { ...resolverDefaults, routes: [], upstreams: [], clientClusters: [] };

  it('takes 1..64 workers, and more than one only on an explicit port', () => {
    expect(validateResolverOptions({ ...base, workers: 4 })).toEqual([]);
    expect(validateResolverOptions({ ...base, workers: 0 })).toEqual([
      '--workers must be 1..64, got 0',
    ]);
    expect(validateResolverOptions({ ...base, workers: 2, port: 0 })).toEqual([
      '--workers > 1 needs an explicit --port (the workers share it)',
    ]);
    const dns = { ...clusterDnsDefaults, server: 'http://127.0.0.1:1' };
    expect(validateClusterDnsOptions({ ...dns, workers: 2 })).toEqual([]);
    expect(validateClusterDnsOptions({ ...dns, workers: 1.5 })).toHaveLength(1);
  });

  it('takes an optional --metrics-port (0 = any free port)', () => {
    expect(validateResolverOptions({ ...base, metricsPort: 0 })).toEqual([]);
    expect(validateResolverOptions({ ...base, metricsPort: 70000 })).toEqual([
      '--metrics-port 70000 is not a port',
    ]);
  });

  it('takes an optional loopback --metrics-bind-address for the cluster DNS', () => {
    const dns = { ...clusterDnsDefaults, server: 'http://127.0.0.1:1' };
    expect(validateClusterDnsOptions({ ...dns, metricsBindAddress: '127.0.0.1:0' })).toEqual([]);
    expect(validateClusterDnsOptions({ ...dns, metricsBindAddress: '127.0.0.2:9100' })).toEqual([]);
    expect(validateClusterDnsOptions({ ...dns, metricsBindAddress: '0.0.0.0:9100' })).toEqual([
      '--metrics-bind-address must be a loopback address (the endpoint has no auth)',
    ]);
    expect(validateClusterDnsOptions({ ...dns, metricsBindAddress: 'localhost:9100' })).toEqual([
      '--metrics-bind-address "localhost:9100" is not IP:PORT',
    ]);
    expect(validateClusterDnsOptions({ ...dns, metricsBindAddress: '127.0.0.1:70000' })).toEqual([
      '--metrics-bind-address "127.0.0.1:70000" is not IP:PORT',
    ]);
  });

  it('validates the federation connection flags together', () => {
    expect(
      validateResolverOptions({ ...base, federationKubeconfig: '/k', federationContext: 'f' }),
    ).toEqual([]);
    expect(
      validateResolverOptions({
        ...base,
        federationServer: 'https://127.0.0.1:1',
        federationToken: 't',
      }),
    ).toEqual([]);
    expect(
      validateResolverOptions({
        ...base,
        federationKubeconfig: '/k',
        federationServer: 'https://127.0.0.1:1',
      }),
    ).toHaveLength(1);
    expect(
      validateResolverOptions({ ...base, federationKubeconfig: '/k', federationToken: 't' }),
    ).toHaveLength(1);
    expect(validateResolverOptions({ ...base, federationKubeconfig: '' })).toHaveLength(1);
    expect(validateResolverOptions({ ...base, federationContext: 'fed' })).toEqual([
      '--federation-context needs --federation-kubeconfig',
    ]);
    expect(validateResolverOptions({ ...base, federationToken: 't' })).toEqual([
      '--federation-token needs --federation-server',
    ]);
  });

  it('builds the federation client options from a kubeconfig context (CA data included)', () => {
    const calls: [string, string | undefined][] = [];
    const load = (path: string, context?: string): ContextConnection => {
      calls.push([path, context]);
      return {
        context: context ?? 'current',
        server: 'https://127.0.0.1:7443',
        token: 'tok',
        caData: 'Q0E=',
      };
    };
    expect(
      federationConnection(
        { ...base, federationKubeconfig: '/fed', federationContext: 'fed' },
        load,
      ),
    ).toEqual({ server: 'https://127.0.0.1:7443', token: 'tok', caData: 'Q0E=' });
    expect(federationConnection({ ...base, federationKubeconfig: '/fed' }, load)).toMatchObject({
      caData: 'Q0E=',
    });
    expect(calls).toEqual([
      ['/fed', 'fed'],
      ['/fed', undefined],
    ]);
    expect(
      federationConnection(
        { ...base, federationServer: 'http://127.0.0.1:1', federationToken: 't' },
        load,
      ),
    ).toEqual({ server: 'http://127.0.0.1:1', token: 't' });
    expect(federationConnection(base, load)).toBeUndefined();
    expect(calls).toHaveLength(2);
    const bad = (): ContextConnection => ({ context: 'x', server: 'ftp://nope' });
    expect(() => federationConnection({ ...base, federationKubeconfig: '/fed' }, bad)).toThrow(
      BadRequestError,
    );
  });

  it('reads server, token and CA of the chosen context from a kubeconfig file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dns-opts-'));
    try {
      const path = join(dir, 'kubeconfig');
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      writeFileSync(
        path,
        kubeconfigFor(
          { name: 'other', server: 'https://127.0.0.9:1' },
          { name: 'fed', server: 'https://127.0.0.1:7443', token: 'tok', caCert: pem },
        ),
      );
      const conn = federationConnection(
        { ...base, federationKubeconfig: path, federationContext: 'fed' },
        loadKubeconfig,
      );
      expect(conn).toMatchObject({ server: 'https://127.0.0.1:7443', token: 'tok' });
      expect(Buffer.from(conn?.caData ?? '', 'base64').toString()).toBe(pem);
      expect(() =>
        federationConnection(
          { ...base, federationKubeconfig: path, federationContext: 'missing' },
          loadKubeconfig,
        ),
      ).toThrow(BadRequestError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps client addresses to clusters by CIDR', () => {
    const m = cidrMatcher([
      { cidr: '127.0.1.0/24', cluster: 'a' },
      { cidr: '127.0.0.0/8', cluster: 'b' },
    ]);
    expect(m('127.0.1.9')).toBe('a');
    expect(m('127.0.2.1')).toBe('b');
    expect(m('10.0.0.1')).toBeUndefined();
    expect(m('::1')).toBeUndefined();
  });
});
