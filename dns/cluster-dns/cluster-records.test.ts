import { describe, expect, it } from 'vitest';
import { RCODE, TYPE } from '../wire/dns-wire.js';
import { ClusterRecords } from './cluster-records.js';
import { StaticCatalog, type DnsEndpoints, type DnsService } from './service-catalog.js';

const svc = (name: string, spec: DnsService['spec']): DnsService => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns1' },
  spec,
});
const eps = (name: string, subsets: NonNullable<DnsEndpoints['subsets']>): DnsEndpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name, namespace: 'ns1' },
  subsets,
});

const catalog = new StaticCatalog(
  [
    svc('web', {
      clusterIP: '10.96.0.5',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 81 }],
    }),
    svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
    svc('empty', { clusterIP: 'None' }),
    svc('ext', { type: 'ExternalName', externalName: 'www.example.com' }),
  ],
  [
    eps('db', [
      {
        addresses: [{ ip: '10.1.0.1', hostname: 'db-0' }, { ip: '10.1.0.2' }],
        notReadyAddresses: [{ ip: '10.1.0.3' }],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      },
    ]),
    eps('empty', [{ notReadyAddresses: [{ ip: '10.1.0.9' }] }]),
  ],
);
const r = new ClusterRecords('Member1.Local', catalog, 7);
const values = (name: string, type: number): unknown[] =>
  r.lookup(name, type).answers.map((a) => a.address ?? a.domain ?? a.target ?? a.data);

describe('ClusterRecords (Kubernetes DNS spec)', () => {
  it('ClusterIP A, case-insensitive, with the configured TTL', () => {
    const l = r.lookup('WEB.ns1.SVC.member1.local', TYPE.A);
    expect(l.rcode).toBe(RCODE.NOERROR);
    expect(l.answers).toEqual([expect.objectContaining({ address: '10.96.0.5', ttl: 7 })]);
  });

  it('headless: ready endpoints only, hostnames, NXDOMAIN+SOA when none ready', () => {
    expect(values('db.ns1.svc.member1.local', TYPE.A).sort()).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(values('db-0.db.ns1.svc.member1.local', TYPE.A)).toEqual(['10.1.0.1']);
    const none = r.lookup('empty.ns1.svc.member1.local', TYPE.A);
    expect(none).toMatchObject({ rcode: RCODE.NXDOMAIN, soa: true, answers: [] });
  });

  it('SRV for named ports only; headless = one per endpoint with additional A', () => {
    expect(r.lookup('_http._tcp.web.ns1.svc.member1.local', TYPE.SRV).answers).toEqual([
      expect.objectContaining({ port: 80, target: 'web.ns1.svc.member1.local' }),
    ]);
    const h = r.lookup('_pg._tcp.db.ns1.svc.member1.local', TYPE.SRV);
    expect(h.answers.map((a) => a.target).sort()).toEqual([
      '10-1-0-2.db.ns1.svc.member1.local',
      'db-0.db.ns1.svc.member1.local',
    ]);
    expect(h.additionals.map((a) => a.address).sort()).toEqual(['10.1.0.1', '10.1.0.2']);
  });

  it('PTR for ClusterIPs and ready headless endpoints, not for not-ready ones', () => {
    expect(values('5.0.96.10.in-addr.arpa', TYPE.PTR)).toEqual(['web.ns1.svc.member1.local']);
    expect(values('1.0.1.10.in-addr.arpa', TYPE.PTR)).toEqual(['db-0.db.ns1.svc.member1.local']);
    expect(r.lookup('3.0.1.10.in-addr.arpa', TYPE.PTR).answers).toEqual([]);
  });

  it('pod A, dns-version TXT, ExternalName CNAME', () => {
    expect(values('10-2-3-4.ns1.pod.member1.local', TYPE.A)).toEqual(['10.2.3.4']);
    expect(values('dns-version.member1.local', TYPE.TXT)).toEqual([['1.1.0']]);
    expect(r.lookup('ext.ns1.svc.member1.local', TYPE.A).answers).toEqual([
      expect.objectContaining({ type: TYPE.CNAME, domain: 'www.example.com' }),
    ]);
  });

  it('NXDOMAIN+SOA for unknown names, NODATA+SOA for other types, REFUSED outside the zone', () => {
    expect(r.lookup('nope.ns1.svc.member1.local', TYPE.A)).toMatchObject({
      rcode: RCODE.NXDOMAIN,
      soa: true,
    });
    expect(r.lookup('web.ns1.svc.member1.local', TYPE.AAAA)).toMatchObject({
      rcode: RCODE.NOERROR,
      answers: [],
      soa: true,
    });
    expect(r.lookup('example.org', TYPE.A).rcode).toBe(RCODE.REFUSED);
  });
});
