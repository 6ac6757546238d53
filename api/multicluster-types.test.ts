import { describe, expect, it } from 'vitest';
import { endpointSliceType, type EndpointSlice } from './discovery-types.js';
import { serviceImportType, type ServiceImport } from './multicluster-types.js';

const imp = (spec: Partial<ServiceImport['spec']>): ServiceImport =>
  ({
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    kind: 'ServiceImport',
    metadata: { name: 'web', namespace: 'shop' },
    spec,
  }) as ServiceImport;

const fields = (causes: { field?: string }[]): string[] => causes.map((c) => c.field ?? '');

describe('multi-cluster services types', () => {
  it('defaults and validates a ServiceImport', () => {
    const ok = imp({ type: 'ClusterSetIP', ips: ['127.64.0.1'], ports: [{ port: 80 }] });
    serviceImportType.defaults?.(ok);
    expect(ok.spec).toEqual({
      type: 'ClusterSetIP',
      ips: ['127.64.0.1'],
      ports: [{ port: 80, protocol: 'TCP' }],
      sessionAffinity: 'None',
    });
    expect(serviceImportType.validate?.(ok, undefined)).toEqual([]);
    const bad = imp({
      type: 'Nope' as 'Headless',
      ports: [{ port: 0, protocol: 'ICMP' as 'TCP' }],
    });
    expect(fields(serviceImportType.validate?.(bad, undefined) ?? [])).toEqual([
      'spec.type',
      'spec.ports[0].port',
      'spec.ports[0].protocol',
    ]);
    const headless = imp({ type: 'Headless', ips: ['127.64.0.1'], ports: [] });
    expect(fields(serviceImportType.validate?.(headless, undefined) ?? [])).toEqual(['spec.ips']);
  });

  it('validates an EndpointSlice', () => {
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-m1', namespace: 'shop' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.1.1.10'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 8080 }],
    };
    endpointSliceType.defaults?.(slice);
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(endpointSliceType.validate?.(slice, undefined)).toEqual([]);
    const bad = {
      ...slice,
      addressType: 'IPX',
      endpoints: [{ addresses: [] }],
    } as unknown as EndpointSlice;
    expect(fields(endpointSliceType.validate?.(bad, undefined) ?? [])).toEqual([
      'addressType',
      'endpoints[0].addresses',
    ]);
  });
});
