import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DnsQueryMetrics } from '../metrics/dns-query-metrics.js';
import { RCODE, TYPE } from '../wire/dns-wire.js';
import { ClusterDnsServer } from './cluster-dns-server.js';
import { StaticCatalog } from './service-catalog.js';

/** A query of one question; `flags` is the header's second 16-bit word (0x0100 = RD). */
function query(name: string, type: number = TYPE.A, flags = 0x0100): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([0x12, 0x34, flags >> 8, flags & 0xff, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, type, 0, 1]),
  ]);
}

/** The value of the sample of `metric` whose labels contain every `labels` pair, 0 when absent. */
function sample(text: string, metric: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${metric}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('ClusterDnsServer metrics', () => {
  const registry = new Registry();
  const server = new ClusterDnsServer({
    zone: 'cluster.local',
    catalog: new StaticCatalog([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { clusterIP: '10.96.0.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      },
    ]),
    metrics: new DnsQueryMetrics(registry),
  });
  const rcode = (resp: Buffer | undefined): number => (resp?.[3] ?? -1) & 0x0f;

  it('counts each query by type and each reply by rcode, as the resolver names them', async () => {
    expect(rcode(server.handle(query('web.default.svc.cluster.local')))).toBe(RCODE.NOERROR);
    expect(rcode(server.handle(query('web.default.svc.cluster.local')))).toBe(RCODE.NOERROR);
    expect(rcode(server.handle(query('web.default.svc.cluster.local', TYPE.SRV)))).toBe(
      RCODE.NOERROR,
    );
    expect(rcode(server.handle(query('nope.default.svc.cluster.local')))).toBe(RCODE.NXDOMAIN);
    expect(rcode(server.handle(query('example.com')))).toBe(RCODE.REFUSED);
    // opcode STATUS (2): refused before the lookup, but still a parsed query
    expect(rcode(server.handle(query('web.default.svc.cluster.local', TYPE.A, 0x1000)))).toBe(
      RCODE.NOTIMP,
    );
    // a header claiming an answer record: FORMERR without a parsed question
    const bad = query('web.default.svc.cluster.local');
    bad.writeUInt16BE(1, 6);
    expect(rcode(server.handle(bad))).toBe(RCODE.FORMERR);
    // not even a header: dropped, neither a request nor a response
    expect(server.handle(Buffer.from([1, 2, 3]))).toBeUndefined();

    const text = await registry.metrics();
    expect(sample(text, 'dns_requests_total', { server: 'dns://', type: 'A' })).toBe(6);
    expect(sample(text, 'dns_requests_total', { type: 'SRV' })).toBe(1);
    expect(sample(text, 'dns_responses_total', { rcode: 'NOERROR' })).toBe(3);
    expect(sample(text, 'dns_responses_total', { rcode: 'NXDOMAIN' })).toBe(1);
    expect(sample(text, 'dns_responses_total', { rcode: 'REFUSED' })).toBe(1);
    expect(sample(text, 'dns_responses_total', { rcode: 'NOTIMP' })).toBe(1);
    expect(sample(text, 'dns_responses_total', { rcode: 'FORMERR' })).toBe(1);
    expect(sample(text, 'dns_responses_total', { rcode: 'SERVFAIL' })).toBe(0);
    // no per-query label objects: the hot path only bumps these plain numbers
    expect(server.metrics.requestsByType.get(TYPE.A)).toBe(6);
    expect(server.metrics.responsesByRcode[RCODE.NOERROR]).toBe(3);
  });

  it('counts on an unregistered set by default', () => {
    const lone = new ClusterDnsServer({ zone: 'cluster.local', catalog: new StaticCatalog([]) });
    lone.handle(query('x.default.svc.cluster.local'));
    expect(lone.metrics.responsesByRcode[RCODE.NXDOMAIN]).toBe(1);
  });
});
