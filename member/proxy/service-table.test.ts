import { describe, expect, it } from 'vitest';
import { LABEL_SERVICE_NAME, type Node } from '../../api/index.js';
import {
  LABEL_MCS_SERVICE_NAME,
  type EndpointSlice,
  type ProxyService,
  type ServiceImport,
} from './proxy-types.js';
import { buildServiceTable, type ServiceTableInput } from './service-table.js';

const svc = (name: string, spec: ProxyService['spec']): ProxyService => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec,
});

const MCS = { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport' };

const input = (over: Partial<ServiceTableInput>): ServiceTableInput => ({
  services: [],
  serviceSlices: () => [],
  nodes: [],
  serviceImports: [],
  importSlices: () => [],
  ...over,
});

describe('buildServiceTable', () => {
  it('matches Service ports to EndpointSlice ports by name and protocol', () => {
    const ep: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'web' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['127.0.9.2'], conditions: { ready: true } },
        { addresses: ['127.0.9.1'] },
        { addresses: ['127.0.9.3'], conditions: { ready: false, serving: false } },
      ],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'dns', port: 5353, protocol: 'UDP' },
      ],
    };
    const { frontends } = buildServiceTable(
      input({
        services: [
          svc('web', {
            clusterIP: '127.16.16.20',
            ports: [
              { name: 'http', port: 80, protocol: 'TCP' },
              { name: 'dns', port: 53, protocol: 'UDP' },
              { name: 'other', port: 81 },
              { name: 'sctp', port: 82, protocol: 'SCTP' },
            ],
            sessionAffinity: 'ClientIP',
          }),
        ],
        serviceSlices: (ns, name) => (ns === 'default' && name === 'web' ? [ep] : []),
      }),
    );
    expect(
      frontends.map((f) => [f.key, f.backends.map((b) => `${b.ip}:${String(b.port)}`)]),
    ).toEqual([
      ['TCP/127.16.16.20:80', ['127.0.9.1:8080', '127.0.9.2:8080']],
      ['UDP/127.16.16.20:53', ['127.0.9.1:5353', '127.0.9.2:5353']],
      ['TCP/127.16.16.20:81', []],
    ]);
    expect(frontends[0]?.affinityMs).toBe(10_800_000);
  });

  it('adds node ports on every InternalIP and refuses addresses outside 127/8', () => {
    const node = (n: string, ip: string): Node => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n },
      status: {
        addresses: [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: n },
        ],
      },
    });
    const { frontends, skipped } = buildServiceTable(
      input({
        services: [
          svc('np', {
            type: 'NodePort',
            clusterIP: '127.16.16.21',
            ports: [{ port: 80, nodePort: 30080 }],
            sessionAffinity: 'ClientIP',
            sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } },
          }),
          svc('virtual', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] }),
          svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
          svc('ext', { type: 'ExternalName', externalName: 'example.com' }),
        ],
        nodes: [node('n1', '127.0.1.1'), node('n2', '127.0.1.2'), node('n3', '192.168.1.9')],
      }),
    );
    expect(frontends.map((f) => [f.kind, f.key, f.affinityMs])).toEqual([
      ['ClusterIP', 'TCP/127.16.16.21:80', 5000],
      ['NodePort', 'TCP/127.0.1.1:30080', 5000],
      ['NodePort', 'TCP/127.0.1.2:30080', 5000],
    ]);
    expect(skipped.map((s) => s.ip)).toEqual(['192.168.1.9', '10.96.0.50']);
  });

  it('serves a ClusterSetIP import from the ready endpoints of all its slices', () => {
    const si: ServiceImport = {
      ...MCS,
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        type: 'ClusterSetIP',
        ips: ['127.16.1.5'],
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      },
    };
    const slice = (cluster: string, ip: string, ready?: boolean): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `web-${cluster}`,
        namespace: 'default',
        labels: { [LABEL_MCS_SERVICE_NAME]: 'web' },
      },
      endpoints: [{ addresses: [ip], ...(ready !== undefined ? { conditions: { ready } } : {}) }],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    });
    const headless: ServiceImport = {
      ...MCS,
      metadata: { name: 'db', namespace: 'default' },
      spec: { type: 'Headless', ports: [{ port: 5432 }] },
    };
    const { frontends } = buildServiceTable(
      input({
        serviceImports: [si, headless],
        importSlices: (ns, name) =>
          ns === 'default' && name === 'web'
            ? [
                slice('m1', '127.16.24.1', true),
                slice('m2', '127.16.40.1'),
                slice('m3', '127.16.56.1', false),
              ]
            : [],
      }),
    );
    expect(frontends).toEqual([
      {
        key: 'TCP/127.16.1.5:80',
        kind: 'ClusterSetIP',
        protocol: 'TCP',
        ip: '127.16.1.5',
        port: 80,
        servicePort: 'default/web:http',
        backends: [
          { ip: '127.16.24.1', port: 8080 },
          { ip: '127.16.40.1', port: 8080 },
        ],
        affinityMs: undefined,
      },
    ]);
  });

  it('falls back to serving terminating endpoints only while no endpoint is ready', () => {
    type E = NonNullable<EndpointSlice['endpoints']>[number];
    const slice = (name: string, endpoints: E[], addressType = 'IPv4'): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'web' } },
      addressType,
      endpoints,
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
    });
    const old = (ip: string, serving: boolean): E => ({
      addresses: [ip],
      conditions: { ready: false, serving, terminating: true },
    });
    const table = (slices: EndpointSlice[]) =>
      buildServiceTable(
        input({
          services: [svc('web', { clusterIP: '127.16.16.22', ports: [{ port: 80 }] })],
          serviceSlices: () => slices,
        }),
      ).frontends.map((f) => f.backends.map((b) => b.ip));
    const draining = slice('web-a', [
      old('127.0.9.1', true),
      old('127.0.9.2', false),
      { addresses: ['127.0.9.3'], conditions: { ready: false, serving: false } },
    ]);
    expect(table([draining])).toEqual([['127.0.9.1']]);
    // a ready endpoint (in another slice, twice) wins; FQDN slices are not served
    const fresh = slice('web-b', [{ addresses: ['127.0.9.4'], conditions: { ready: true } }]);
    const dup = slice('web-c', [{ addresses: ['127.0.9.4'] }]);
    const fqdn = slice('web-d', [{ addresses: ['example.com'] }], 'FQDN');
    expect(table([draining, fresh, dup, fqdn])).toEqual([['127.0.9.4']]);
  });
});
