/**
 * `npm run bench`: every benchmark, each printing our figure next to a reference measured in the
 * same run, the ratio, and the figure's goal with whether it is met; then a summary table, and
 * bench-results.json (repository root, or BENCH_RESULTS=<path>) with every figure and the machine
 * facts (bench-report.ts). Select with BENCH=member,federation,dns,registry,auth,service-proxy,
 * scale (default: all but the scale bench, over 10 min, which runs only when BENCH names it).
 *
 * `npm run bench -- --quick` (or BENCH_QUICK=1) runs the same benchmarks at tiny sizes, seconds
 * each, only to prove they still run (test/e2e/bench-quick.test.ts): its figures are not
 * performance. A bench quick mode cannot make small enough is skipped with a printed
 * `quick mode skips <bench>: <reason>` line: the scale bench.
 *
 * The Docker part of the member bench starts the project's dockerd only when it is not running
 * and stops only a daemon it started (hack/lib/services.ts ensureDockerd).
 */
import { resolve } from 'node:path';
import { installLoopbackGuard } from '../../machinery/net/loopback-guard.js';
import { goalColumn, printResults, type BenchResult } from './bench-result.js';
import {
  figureRecord,
  loadAverage,
  machineFacts,
  writeReport,
  type BenchReport,
} from './bench-report.js';
import { BENCHES } from './benches.js';

// the network rule: the bench process dials nothing outside 127.0.0.0/8
installLoopbackGuard();
const root = resolve(import.meta.dirname, '..', '..');
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const resultsPath = resolve(process.env.BENCH_RESULTS ?? resolve(root, 'bench-results.json'));
// without BENCH: every bench but those marked notByDefault (quick mode lists those as skipped)
const defaults = BENCHES.filter((b) => quick || b.notByDefault === undefined).map((b) => b.name);
const wanted = new Set((process.env.BENCH ?? defaults.join(',')).split(',').map((s) => s.trim()));
for (const w of wanted) {
  if (!BENCHES.some((b) => b.name === w)) {
    throw new Error(`BENCH: unknown bench ${w} (known: ${BENCHES.map((b) => b.name).join(',')})`);
  }
}

const report: BenchReport = {
  quick,
  startedAt: new Date().toISOString(),
  finishedAt: '',
  machine: machineFacts(root),
  loadAverage: { start: loadAverage(), end: [] },
  benches: [],
  skipped: [],
  figures: [],
};
const all: BenchResult[] = [];
if (quick) console.log('quick mode: tiny sizes, the figures only prove the benches run');
for (const b of process.env.BENCH === undefined && !quick ? BENCHES : []) {
  if (b.notByDefault !== undefined) {
    console.log(`not in the default run: ${b.name} (${b.notByDefault})`);
  }
}
try {
  for (const bench of BENCHES) {
    if (!wanted.has(bench.name)) continue;
    if (quick && bench.quickSkip !== undefined) {
      console.log(`quick mode skips ${bench.name}: ${bench.quickSkip}`);
      report.skipped.push({ bench: bench.name, reason: bench.quickSkip });
      continue;
    }
    console.log(`== ${bench.name}`);
    const t0 = performance.now();
    const results = await bench.run(quick);
    printResults(results);
    all.push(...results);
    report.benches.push({
      name: bench.name,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      figures: results.length,
    });
    report.figures.push(...results.map((r) => figureRecord(bench.name, r)));
  }
} catch (err) {
  report.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.exitCode = 1;
  console.error(err);
} finally {
  report.finishedAt = new Date().toISOString();
  report.loadAverage.end = loadAverage();
  writeReport(resultsPath, report);
}

console.log(`\n== summary${quick ? ' (quick mode: not performance figures)' : ''}`);
printResults(all);
const goals = all.map(goalColumn).filter((g) => g !== 'no goal');
const met = goals.filter((g) => g.endsWith(': met')).length;
console.log(`goals met: ${String(met)} of ${String(goals.length)}`);
console.log(`machine and figures written to ${resultsPath}`);
