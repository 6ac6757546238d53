/**
 * One benchmark line (our figure, the reference measured in the same run, ours/reference), the
 * percentile and bounded-concurrency helpers the benches share, and the printed table: one row
 * per figure with its goal (bench-goals.ts) and whether it is met.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
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

/** Runs `fn` over 0..n-1 with at most `limit` calls in flight. */
export async function pool(
  n: number,
  limit: number,
  fn: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Runs `n` operations with `concurrency` in flight; resolves to operations per second. */
export async function opsPerSecond(
  n: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  await pool(n, concurrency, op);
  return n / ((performance.now() - start) / 1000);
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
