/**
 * The benches of `npm run bench` (run-all.ts), in the order they run, each with its full and its
 * quick-mode sizes. Quick mode (`--quick`, BENCH_QUICK=1) runs every bench at a tiny size, seconds
 * each, only to prove it still runs; a bench that could not be made that small would set
 * `quickSkip` to why, and quick mode would print that and skip it.
 */
import { BENCH_NAMES, type BenchName } from './bench-names.js';
import type { BenchResult } from './bench-result.js';
import { runApiServerBench } from './apiserver-bench.js';
import { runAuthBench } from './auth-bench.js';
import { runDnsBench } from './dns-bench.js';
import { runClusterSetBench } from './dns-clusterset-bench.js';
import { runFederationBench } from './federation-bench.js';
import { runMemberBench } from './member-bench.js';
import { runRegistryBench } from './registry-bench.js';
import { runScaleBench, scaleOptionsFromEnv } from './scale-bench.js';
import { runServiceProxyBench } from './service-proxy-bench.js';

/** One bench: how to run it in full and in quick mode. */
export interface Bench {
  name: BenchName;
  run: (quick: boolean) => Promise<BenchResult[]>;
  /** Set when quick mode skips this bench: why. */
  quickSkip?: string;
  /**
   * Set when `npm run bench` without BENCH leaves this bench out (it runs when BENCH names it):
   * why.
   */
  notByDefault?: string;
}

const table: Record<BenchName, Omit<Bench, 'name'>> = {
  member: {
    run: (quick) => runMemberBench(quick ? { nodes: 10, pods: 20, startupPods: 2 } : {}),
  },
  apiserver: {
    run: (quick) =>
      runApiServerBench(quick ? { creates: 20, watchers: 5, events: 3, rate: 50 } : {}),
  },
  federation: {
    // quick: one member (each member is 5 processes; three took ~40 s to start on 2 busy cores)
    run: (quick) => runFederationBench(quick ? { count: 10, singles: 2, members: 1 } : {}),
  },
  dns: {
    // quick: 0.25 s per server and setting, and a 1 s wait for a query dnsmasq dropped instead
    // of dnsperf's 5 s
    run: async (quick) => [
      ...(await runDnsBench(quick ? { seconds: 0.25, rounds: 1, queryTimeout: 1 } : {})),
      // a federation EndpointSlice change reaching clusterset.local answers (goal: p99 < 1 s),
      // then the cached clusterset rate vs other cache hits
      ...(await runClusterSetBench(
        quick ? 3 : 50,
        quick ? { seconds: 0.25, rounds: 1 } : { seconds: 2, rounds: 3 },
      )),
    ],
  },
  registry: {
    run: (quick) => (quick ? runRegistryBench(1, 1, 1) : runRegistryBench()),
  },
  auth: {
    run: (quick) => runAuthBench(quick ? { objects: 50, rounds: 2 } : {}),
  },
  'service-proxy': {
    run: (quick) => runServiceProxyBench(quick ? { duration: '1s', changes: 3 } : {}),
  },
  scale: {
    run: () => runScaleBench(scaleOptionsFromEnv()),
    quickSkip:
      'its point is the size (50 members, 10,000 templates); BENCH=scale BENCH_SCALE_MEMBERS=10 BENCH_SCALE_OBJECTS=500 npm run bench is its smallest useful run',
    notByDefault: 'well over 10 min at full size; BENCH=scale npm run bench runs it',
  },
};

/** Every bench, in run order. */
export const BENCHES: readonly Bench[] = BENCH_NAMES.map((name) => ({ name, ...table[name] }));
