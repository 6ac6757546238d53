/**
 * `npm run bench -- --quick` still runs: test/bench/run-all.ts in quick mode as a child process,
 * with the real components every bench starts (etcd, the built binaries, dnsmasq, dnsperf, skopeo,
 * wrk, docker-registry, the project's dockerd — started only when not running, and then stopped
 * only by whoever started it). It must exit 0 and write a bench-results.json (to a temporary
 * path, never over the repository's) that lists every figure with finite numbers and names each
 * bench as run or as skipped, skipped ones matching the printed list. Quick figures are not
 * performance: no value is held to any threshold here (performance lives in `npm run bench`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../bench/bench-report.js';
import { BENCH_NAMES } from '../bench/bench-names.js';
import { distScript, ensureBuilt, ROOT } from '../support/binaries.js';

/** The run is killed (with every process it started) after this long. */
const RUN_LIMIT_MS = 240_000;

/** The built binaries the benches start. */
const SCRIPTS = [
  'federation/cmd/federation-apiserver.js',
  'federation/cmd/federation-controller-manager.js',
  'member/cmd/member-apiserver.js',
  'member/cmd/member-controller-manager.js',
  'member/cmd/kubelet.js',
  'member/cmd/service-proxy.js',
  'dns/cmd/cluster-dns.js',
  'dns/cmd/resolver.js',
].map(distScript);

interface Run {
  code: number | null;
  out: string;
}

/** Runs the quick bench in its own process group, killed as a whole after {@link RUN_LIMIT_MS}. */
function runQuickBench(resultsPath: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_RESULTS: resultsPath };
  // every bench, in quick mode: nothing inherited may narrow or resize the run
  for (const k of ['BENCH', 'BENCH_QUICK', 'BENCH_SKIP_DOCKER', 'BENCH_NODES', 'BENCH_PODS']) {
    delete env[k];
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join('test', 'bench', 'run-all.ts'), '--quick'],
    { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => {
    out += `\n(bench-quick test: killed after ${String(RUN_LIMIT_MS)} ms)\n`;
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, RUN_LIMIT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const finite = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);

describe('npm run bench -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-quick-'));
  const resultsPath = join(dir, 'bench-results.json');
  let run: Run;
  let report: BenchReport;

  beforeAll(async () => {
    ensureBuilt(SCRIPTS);
    run = await runQuickBench(resultsPath);
    try {
      report = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchReport;
    } catch (err) {
      throw new Error(
        `no readable ${resultsPath} (exit ${String(run.code)}):\n${run.out.slice(-4000)}`,
        { cause: err },
      );
    }
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 and records no error', () => {
    expect(run.code, run.out.slice(-4000)).toBe(0);
    expect(report.error, report.error).toBeUndefined();
    expect(report.quick).toBe(true);
  });

  it('runs every bench or prints why it skips it', () => {
    const printed = [...run.out.matchAll(/^quick mode skips (\S+): (.+)$/gm)].map((m) => ({
      bench: m[1],
      reason: m[2],
    }));
    expect(report.skipped).toEqual(printed);
    const ran = report.benches.map((b) => b.name);
    const skipped = report.skipped.map((s) => s.bench);
    expect([...ran, ...skipped].sort()).toEqual([...BENCH_NAMES].sort());
    for (const b of report.benches) {
      expect(b.figures, b.name).toBeGreaterThan(0);
      expect(report.figures.filter((f) => f.bench === b.name)).toHaveLength(b.figures);
    }
  });

  it('lists every printed figure with finite numbers and its goal verdict', () => {
    // each figure is printed twice: after its bench and in the summary
    const rows = run.out.split('\n').filter((l) => l.includes(' → ratio '));
    expect(rows).toHaveLength(2 * report.figures.length);
    for (const f of report.figures) {
      expect(f.name).not.toBe('');
      expect(f.unit).not.toBe('');
      expect(f.reference.name).not.toBe('');
      expect([f.value, f.reference.value, f.ratio].every(finite), JSON.stringify(f)).toBe(true);
      expect(f.met === null, f.name).toBe(f.goal === null);
      expect(
        rows.some((r) => r.startsWith(f.name)),
        f.name,
      ).toBe(true);
    }
  });

  it('records the machine and the load at start and end', () => {
    const m = report.machine;
    expect(m.cpus).toBeGreaterThan(0);
    expect(m.cpuModel).not.toBe('');
    expect(m.totalMemoryMiB).toBeGreaterThan(0);
    expect(m.node).toBe(process.version);
    expect(m.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(report.loadAverage.start.length === 3 && report.loadAverage.start.every(finite)).toBe(
      true,
    );
    expect(report.loadAverage.end.length === 3 && report.loadAverage.end.every(finite)).toBe(true);
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
  });
});
