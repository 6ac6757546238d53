/**
 * `npm run bench`: every benchmark, each printing our figure next to a reference measured in the
 * same run and the ratio. Select with BENCH=member,federation,dns,registry,auth,service-proxy
 * (default: all).
 */
import { ensureDockerd } from '../../hack/lib/services.js';
import { installLoopbackGuard } from '../../machinery/net/loopback-guard.js';
import { printResults, type BenchResult } from './bench-result.js';
import { runAuthBench } from './auth-bench.js';
import { runDnsBench } from './dns-bench.js';
import { runClusterSetBench } from './dns-clusterset-bench.js';
import { runFederationBench } from './federation-bench.js';
import { runMemberBench } from './member-bench.js';
import { runRegistryBench } from './registry-bench.js';
import { runServiceProxyBench } from './service-proxy-bench.js';

// the network rule: the bench process dials nothing outside 127.0.0.0/8
installLoopbackGuard();
const wanted = new Set(
  (process.env.BENCH ?? 'member,federation,dns,registry,auth,service-proxy').split(','),
);
const all: BenchResult[] = [];
const run = async (name: string, fn: () => Promise<BenchResult[]>): Promise<void> => {
  if (!wanted.has(name)) return;
  console.log(`== ${name}`);
  const r = await fn();
  printResults(r);
  all.push(...r);
};
await run('member', runMemberBench);
await run('federation', () => runFederationBench());
await run('dns', async () => [
  ...(await runDnsBench()).map((r) => ({ ...r, unit: 'qps', referenceName: 'dnsmasq' })),
  // a federation EndpointSlice change reaching clusterset.local answers (goal: p99 < 1 s)
  ...(await runClusterSetBench(50)),
]);
await run('registry', () => runRegistryBench());
await run('auth', () => runAuthBench());
await run('service-proxy', () => runServiceProxyBench());
console.log('\n== summary');
printResults(all);
await ensureDockerd().then((d) => d.stop());
