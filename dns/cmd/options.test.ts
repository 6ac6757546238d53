import { describe, expect, it } from 'vitest';
import {
  cidrMatcher,
  clusterDnsDefaults,
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
      }),
    ).toHaveLength(4);
    const errs = validateResolverOptions({
      ...resolverDefaults,
      port: -1,
      routes: [{ zone: 'a_b', servers: [] }],
      upstreams: ['nohost'],
      clientClusters: [{ cidr: '10.0.0.0/40', cluster: 'a' }],
      maxInflight: 0,
    });
    expect(errs).toHaveLength(6);
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
