/**
 * bench-results.json: every figure of a bench run (value, unit, reference, ratio, goal and whether
 * it is met), the benches run and skipped, and the machine the figures were taken on (CPU model
 * and count, memory, OS and kernel, Node, date, git commit, load average at start and end), so a
 * figure can be compared with one from another run. `npm run bench` writes it at the repository
 * root (git-ignored) or where BENCH_RESULTS points.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { goalVerdict } from './bench-goals.js';
import type { BenchResult } from './bench-result.js';

/** One figure as written to the file. */
export interface FigureRecord {
  /** The bench that measured it (`member`, `dns`, ...). */
  bench: string;
  name: string;
  value: number;
  unit: string;
  reference: { name: string; value: number };
  ratio: number;
  /** The goal (issue #15, or the bench file's own), or null when none applies. */
  goal: { text: string; source: string } | null;
  /** Whether the goal is met; null when no goal applies. */
  met: boolean | null;
}

/** Where the figures were measured. */
export interface MachineFacts {
  cpuModel: string;
  cpus: number;
  totalMemoryMiB: number;
  /** OS name and kernel release, e.g. `Linux 6.8.0-45-generic`. */
  os: string;
  arch: string;
  node: string;
  /** `git rev-parse HEAD`, or `unknown`. */
  gitCommit: string;
  /** True when tracked files differ from that commit. */
  gitDirty: boolean | null;
}

/** The whole file. */
export interface BenchReport {
  /** True for `--quick` / BENCH_QUICK=1: tiny sizes, the figures only prove the benches run. */
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: MachineFacts;
  /** 1, 5 and 15 minute load averages when the run started and when it ended. */
  loadAverage: { start: number[]; end: number[] };
  /** Each bench run, its wall time and how many figures it gave. */
  benches: { name: string; seconds: number; figures: number }[];
  /** Benches not run in quick mode, each with why. */
  skipped: { bench: string; reason: string }[];
  figures: FigureRecord[];
  /** Set when a bench failed: the run stopped there. */
  error?: string;
}

/** A figure with its goal, as written to the file. */
export function figureRecord(bench: string, r: BenchResult): FigureRecord {
  const v = goalVerdict(r);
  return {
    bench,
    name: r.name,
    value: r.ours,
    unit: r.unit,
    reference: { name: r.referenceName, value: r.reference },
    ratio: r.ratio,
    goal: v ? { text: v.goal.text, source: v.goal.source } : null,
    met: v ? v.met : null,
  };
}

/** Runs a read-only git command in `cwd`; undefined when git fails. */
function git(cwd: string, args: string[]): string | undefined {
  try {
    // --no-optional-locks: never take the index lock (someone may be committing meanwhile)
    return execFileSync('git', ['--no-optional-locks', ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The machine, runtime and checkout of the repository at `root`. */
export function machineFacts(root: string): MachineFacts {
  const cpu = cpus();
  const status = git(root, ['status', '--porcelain', '--untracked-files=no']);
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
    os: `${type()} ${release()}`,
    arch: process.arch,
    node: process.version,
    gitCommit: git(root, ['rev-parse', 'HEAD']) ?? 'unknown',
    gitDirty: status === undefined ? null : status !== '',
  };
}

/** The 1, 5 and 15 minute load averages, rounded to two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

/** Writes the report as indented JSON. */
export function writeReport(path: string, report: BenchReport): void {
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}
