// The chaos run (issue #17) scaled down: the same code as `npm run chaos` (test/chaos/run-chaos.ts)
// on a hollow federation of 2 members for 60 s with a fixed seed and four faults (the controller
// manager leader killed, a member API server killed, a federation etcd member down 10 s, a whole
// member down past the health window), then no invariant violated and convergence in the bound.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { printReport } from '../chaos/report.js';
import { runChaos } from '../chaos/run-chaos.js';

const run = promisify(execFile);
const root = resolve(new URL('../..', import.meta.url).pathname);
/** The convergence bound after the workload stops. */
const CONVERGE_S = 60;

beforeAll(async () => {
  await run('npm', ['run', '--silent', 'build'], { cwd: root, timeout: 180_000 });
});

describe('chaos', () => {
  it('a 60 s workload under four faults: every invariant holds, converged within the bound', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      seed: 17,
      members: 2,
      durationS: 60,
      faults: ['cm-leader', 'member-apiserver', 'etcd', 'member-down'],
      memberDownS: 30,
      convergeS: CONVERGE_S,
      log: (l) => lines.push(l),
    });
    printReport(report, (l) => lines.push(l));
    const summary = lines.join('\n');
    // the numbers of the run (faults, invariant counts, convergence, RSS) in the test output
    process.stdout.write(`${summary}\n`);
    // one fault per member API server, plus the three others
    expect(report.faults.map((f) => f.kind).sort(), summary).toEqual([
      'cm-leader',
      'etcd',
      'member-apiserver',
      'member-apiserver',
      'member-down',
    ]);
    expect(report.faults.find((f) => f.kind === 'member-down')?.detail, summary).toMatch(
      /NotReady after/,
    );
    expect(report.invariants.violations, summary).toEqual([]);
    expect(report.ok, summary).toBe(true);
    expect(report.convergedAfterWorkloadMs, summary).toBeLessThan(CONVERGE_S * 1000);
    expect(report.invariants.checked.placement, summary).toBeGreaterThan(0);
    expect(report.invariants.checked['divided sums'], summary).toBeGreaterThan(0);
    expect(report.invariants.checked.deleted, summary).toBeGreaterThan(0);
  }, 240_000);
});
