/**
 * One benchmark line (our figure, the reference measured in the same run, ours/reference), the
 * percentile helper the benches share, and the printed table: one row per figure with its goal
 * (bench-goals.ts) and whether it is met.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { goalVerdict } from './bench-goals.js';

/** One benchmark line: our figure, the reference measured in the same run, and ours/reference. */
export interface BenchResult {
  name: string;
  unit: string;
  ours: number;
  reference: number;
  referenceName: string;
  /** ours / reference (for rates higher is better; for latencies lower is better). */
  ratio: number;
}

/** Percentile of a sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

/** The goal column of a row: `goal ≥ 1.0× dnsmasq: met`, or `no goal`. */
export function goalColumn(r: BenchResult): string {
  const v = goalVerdict(r);
  return v ? `goal ${v.goal.text}: ${v.met ? 'met' : 'not met'}` : 'no goal';
}

/** Prints results as a table, each row with its goal and whether it is met. */
export function printResults(results: BenchResult[]): void {
  for (const r of results) {
    console.log(
      `${r.name.padEnd(44)} ${r.ours.toFixed(1).padStart(10)} ${r.unit.padEnd(8)} vs ${r.referenceName} ${r.reference.toFixed(1)} ${r.unit} → ratio ${r.ratio.toFixed(2)} | ${goalColumn(r)}`,
    );
  }
}

/** True when the module with this `import.meta.url` is the script being run. */
export function isMain(url: string): boolean {
  const arg = process.argv[1];
  return arg !== undefined && url === pathToFileURL(resolve(arg)).href;
}
