/**
 * One cluster DNS worker process for the "cluster-dns, N workers" case of dns-bench.ts: a
 * ClusterDnsServer over the bench's Services, bound with SO_REUSEPORT on the given port as each
 * worker of `flotilla-cluster-dns --workers N` binds (its catalog is static here, not informers,
 * so no API server is needed). Prints `ready` once it listens; exits on SIGTERM.
 * Run: `node --import tsx test/bench/cluster-dns-bench-worker.ts PORT`.
 */
import { ClusterDnsServer, StaticCatalog, type DnsService } from '../../dns/index.js';
import { isMain } from './bench-result.js';

/** The zone every DNS bench case serves. */
export const BENCH_ZONE = 'member1.local';
/** Services in the zone (one name each). */
export const BENCH_NAMES = 1000;

/** The ClusterIP of Service `i` (also dnsmasq's address for its name). */
export function benchIp(i: number): string {
  return `10.96.${String(Math.floor(i / 250))}.${String((i % 250) + 1)}`;
}

/** The bench's Services: `svc-<i>` in `default`, one ClusterIP each. */
export function benchServices(): DnsService[] {
  return Array.from({ length: BENCH_NAMES }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${String(i)}`, namespace: 'default' },
    spec: { clusterIP: benchIp(i), ports: [{ port: 80 }] },
  }));
}

if (isMain(import.meta.url)) {
  const server = new ClusterDnsServer({
    zone: BENCH_ZONE,
    catalog: new StaticCatalog(benchServices(), []),
    ttl: 3600,
    port: Number(process.argv[2]),
    reusePort: true,
  });
  await server.start();
  process.once('SIGTERM', () => {
    void server.stop().then(() => process.exit(0));
  });
  console.log('ready');
}
