import dns2 from 'dns2';
import { describe, expect, it } from 'vitest';
import { RCODE } from '../wire/dns-wire.js';
import { FederatedNames, type ClusterEndpoints } from './federated-names.js';

const { Packet } = dns2;

function query(name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
}

/** Four clusters in two regions; `clientCluster` maps 127.0.<n>.x to cluster c<n>. */
function names(clusters: ClusterEndpoints[]): FederatedNames {
  return new FederatedNames({
    federation: 'fleet',
    zone: 'flotilla.local',
    catalog: { endpoints: () => Promise.resolve(structuredClone(clusters)) },
    clientCluster: (ip) => {
      const m = /^127\.0\.(\d+)\./.exec(ip);
      return m ? `c${m[1] ?? ''}` : undefined;
    },
  });
}

async function ask(f: FederatedNames, name: string, clientIp: string): Promise<string[]> {
  const m = f.match(name);
  if (!m) throw new Error(`${name} is not federated`);
  const res = Packet.parse(await f.answer(query(name), m, clientIp));
  if (res.header.rcode !== RCODE.NOERROR) return [`rcode ${String(res.header.rcode)}`];
  return res.answers.map((a) => (a as { address: string }).address).sort();
}

describe('FederatedNames locality (Federation v1)', () => {
  const base: ClusterEndpoints[] = [
    { cluster: 'c1', region: 'eu', ips: ['10.0.1.1'] },
    { cluster: 'c2', region: 'eu', ips: ['10.0.2.1'] },
    { cluster: 'c3', region: 'us', ips: ['10.0.3.1', '10.0.3.2'] },
    { cluster: 'c4', region: 'us', ips: ['10.0.4.1'] },
  ];
  const fed = 'api.default.fleet.svc.flotilla.local';

  it("answers only the client's own cluster when it has ready endpoints", async () => {
    expect(await ask(names(base), fed, '127.0.1.9')).toEqual(['10.0.1.1']);
    expect(await ask(names(base), fed, '127.0.3.9')).toEqual(['10.0.3.1', '10.0.3.2']);
  });

  it("falls back to the client's region when its own cluster has no ready endpoints", async () => {
    const c1Down = base.map((c) => (c.cluster === 'c1' ? { ...c, ips: [] } : c));
    expect(await ask(names(c1Down), fed, '127.0.1.9')).toEqual(['10.0.2.1']);
    // a cluster that is listed without endpoints at all (e.g. NotReady) still gives its region
    const c3Gone = base.map((c) =>
      c.cluster === 'c3' ? { cluster: 'c3', region: 'us', ips: [] } : c,
    );
    expect(await ask(names(c3Gone), fed, '127.0.3.9')).toEqual(['10.0.4.1']);
  });

  it('falls back to every healthy cluster when the whole region has none', async () => {
    const euDown = base.map((c) => (c.region === 'eu' ? { ...c, ips: [] } : c));
    expect(await ask(names(euDown), fed, '127.0.1.9')).toEqual([
      '10.0.3.1',
      '10.0.3.2',
      '10.0.4.1',
    ]);
    const all = ['10.0.1.1', '10.0.2.1', '10.0.3.1', '10.0.3.2', '10.0.4.1'];
    // unknown clients, clients of an unknown cluster, and MCS names get every healthy cluster
    expect(await ask(names(base), fed, '192.0.2.1')).toEqual(all);
    expect(await ask(names(base), fed, '127.0.9.1')).toEqual(all);
    expect(await ask(names(base), 'api.default.svc.clusterset.local', '127.0.1.9')).toEqual(all);
  });

  it('is NXDOMAIN when no cluster has ready endpoints', async () => {
    const none = base.map((c) => ({ ...c, ips: [] }));
    expect(await ask(names(none), fed, '127.0.1.9')).toEqual([`rcode ${String(RCODE.NXDOMAIN)}`]);
  });
});
