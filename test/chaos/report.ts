/** The chaos run's printed summary (`npm run chaos`, and the e2e test's failure message). */
import type { ChaosReport } from './run-chaos.js';

/** Prints the report's summary: faults, operations, invariant counts, convergence, RSS. */
export function printReport(r: ChaosReport, out: (line: string) => void = console.log): void {
  const s = (ms: number | undefined): string =>
    ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`;
  out(`\n== chaos summary (seed ${String(r.seed)}) ==`);
  out(`faults (${String(r.faults.length)}):`);
  for (const f of r.faults) {
    out(
      `  +${(f.startMs / 1000).toFixed(1)}s ${f.kind.padEnd(16)} ${f.target.padEnd(34)} ${f.detail}`,
    );
  }
  const ops = Object.entries(r.ops).map(
    ([k, v]) => `${k} ${String(v.ok)}/${String(v.ok + v.failed)}`,
  );
  out(`operations (acknowledged/sent): ${ops.join(', ')}`);
  out('invariants (objects checked):');
  for (const [k, n] of Object.entries(r.invariants.checked)) out(`  ${k.padEnd(14)} ${String(n)}`);
  out(`violations: ${String(r.invariants.violations.length)}`);
  for (const v of r.invariants.violations) out(`  ${v}`);
  out(`at the first check after the workload stopped: ${String(r.firstCheck.length)} violations`);
  for (const v of r.firstCheck.slice(0, 5)) out(`  ${v}`);
  out(
    `converged ${s(r.convergedAfterLastFaultMs)} after the last fault ended (${s(r.convergedAfterWorkloadMs)} after the workload stopped)`,
  );
  out('RSS MiB (start → end), automatic restarts:');
  for (const p of r.rss) {
    out(
      `  ${p.name.padEnd(34)} ${p.startMiB.toFixed(1).padStart(7)} → ${p.endMiB.toFixed(1).padStart(7)}  ${String(p.restarts)}`,
    );
  }
  out(r.ok ? 'PASS' : `FAIL (logs kept in ${r.state}/logs)`);
}
