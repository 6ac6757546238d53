import { describe, expect, it } from 'vitest';
import { ingressClassType, ingressType, type Ingress } from './networking-types.js';

const ing = (spec: Record<string, unknown>): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'i', namespace: 'default' },
  spec,
});
const path = (p: Record<string, unknown>) => ({
  rules: [{ host: 'a.example', http: { paths: [p] } }],
});
const causes = (spec: Record<string, unknown>) =>
  ingressType.validate?.(ing(spec), undefined) ?? [];
const svc = { service: { name: 'web', port: { number: 80 } } };

describe('Ingress validation', () => {
  it('accepts the three path types and a service backend by port number or name', () => {
    for (const pathType of ['Exact', 'Prefix', 'ImplementationSpecific']) {
      expect(causes(path({ path: '/', pathType, backend: svc }))).toEqual([]);
    }
    const named = { service: { name: 'web', port: { name: 'http' } } };
    expect(causes(path({ path: '/x', pathType: 'Prefix', backend: named }))).toEqual([]);
    expect(causes({ defaultBackend: svc })).toEqual([]);
  });

  it('refuses an unknown or missing pathType with the field path', () => {
    const bad = causes(path({ path: '/', pathType: 'Glob', backend: svc }));
    expect(bad).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.rules[0].http.paths[0].pathType',
        message:
          'Unsupported value: "Glob": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      },
    ]);
    expect(causes(path({ path: '/', backend: svc })).map((c) => c.field)).toEqual([
      'spec.rules[0].http.paths[0].pathType',
    ]);
  });

  it('refuses backends without a service name or with both or neither port forms', () => {
    const f = (backend: unknown) =>
      causes(path({ path: '/', pathType: 'Prefix', backend })).map((c) => c.field);
    expect(f({ service: { port: { number: 80 } } })).toEqual([
      'spec.rules[0].http.paths[0].backend.service.name',
    ]);
    expect(f({ service: { name: 'web', port: { number: 80, name: 'http' } } })).toEqual([
      'spec.rules[0].http.paths[0].backend.service.port',
    ]);
    expect(f({ service: { name: 'web' } })).toEqual([
      'spec.rules[0].http.paths[0].backend.service.port',
    ]);
    expect(f({ service: { name: 'web', port: { number: 70000 } } })).toEqual([
      'spec.rules[0].http.paths[0].backend.service.port.number',
    ]);
    expect(f(undefined)).toEqual(['spec.rules[0].http.paths[0].backend']);
  });

  it('refuses a relative Prefix path and an Ingress with neither rules nor defaultBackend', () => {
    expect(
      causes(path({ path: 'x', pathType: 'Prefix', backend: svc })).map((c) => c.field),
    ).toEqual(['spec.rules[0].http.paths[0].path']);
    expect(causes({}).map((c) => c.field)).toEqual(['spec.rules']);
  });

  it('prints CLASS, HOSTS, ADDRESS and PORTS', () => {
    const i = ing({
      ingressClassName: 'nginx',
      ...path({ path: '/', pathType: 'Prefix', backend: svc }),
    });
    i.status = { loadBalancer: { ingress: [{ ip: '127.0.0.5' }] } };
    expect(ingressType.printerColumns?.map((c) => [c.name, c.value(i)])).toEqual([
      ['Class', 'nginx'],
      ['Hosts', 'a.example'],
      ['Address', '127.0.0.5'],
      ['Ports', '80'],
    ]);
  });

  it('IngressClass needs a controller', () => {
    const c = (spec: unknown) =>
      ingressClassType.validate?.(
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'IngressClass',
          metadata: { name: 'c' },
          ...(spec ? { spec } : {}),
        },
        undefined,
      );
    expect(c({ controller: 'example.com/ingress' })).toEqual([]);
    expect(c(undefined)?.map((x) => x.field)).toEqual(['spec.controller']);
  });
});
