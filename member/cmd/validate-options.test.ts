import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { validateOptions } from './validate-options.js';

describe('member validateOptions', () => {
  it('accepts defaults plus name and etcd', () => {
    expect(validateOptions(resolveOptions({ name: 'm1', etcd: 'http://127.0.0.1:2379' }))).toEqual(
      [],
    );
    expect(resolveOptions({ name: 'm1', etcd: 'x' })).toMatchObject({
      nodes: 2,
      runtime: 'docker',
      controllers: '*',
      clusterDomain: 'cluster.local',
    });
  });

  it('reports every problem at once', () => {
    const o = resolveOptions({
      name: 'Bad_Name',
      etcd: 'localhost',
      etcdPrefix: 'nope',
      port: 70000,
      dnsPort: -1,
      nodes: 1.5,
      runtime: 'containerd',
      clusterIndex: 0,
      nodeIpPrefix: '10.0.0.',
      clusterDomain: 'Cluster..local',
      controllers: '*,-nosuch',
      nodeGracePeriod: 0,
      podEvictionTimeout: -1,
      token: 'has space',
    });
    expect(validateOptions(o).map((p) => p.flag)).toEqual([
      '--name',
      '--etcd',
      '--etcd-prefix',
      '--port',
      '--dns-port',
      '--nodes',
      '--runtime',
      '--cluster-index',
      '--node-ip-prefix',
      '--cluster-domain',
      '--controllers',
      '--node-grace-period',
      '--pod-eviction-timeout',
      '--token',
    ]);
  });

  it('requires name and etcd', () => {
    expect(validateOptions(resolveOptions({}))).toEqual([
      { flag: '--name', message: 'is required' },
      { flag: '--etcd', message: 'is required' },
    ]);
  });
});
