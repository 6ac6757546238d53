// The built binaries (dist/) as child processes for integration tests: rebuild dist/ when a
// binary is missing or older than its sources, spawn one and keep its output, wait for a line,
// wait for the exit.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../hack/lib/ports.js';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The built script of a binary, e.g. `distScript('member/cmd/kubelet.js')`. */
export function distScript(path: string): string {
  return join(ROOT, 'dist', path);
}

function newestTs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

/** Every source of the build (hack/tsconfig.build.json): the binaries, hack/ and the dashboard server. */
const SOURCE_DIRS = [
  'api',
  'machinery',
  'federation',
  'member',
  'dns',
  'registry',
  'hack',
  'dashboard/server',
];
const SOURCE_FILES = ['dashboard/index.ts'];

/**
 * Runs `tsc -p hack/tsconfig.build.json` when one of `scripts` is missing or older than the
 * sources (the suite builds before the tests anyway). @throws when a script is still missing
 */
export function ensureBuilt(scripts: readonly string[]): void {
  // the build is incremental: tsc leaves an output whose content did not change untouched, so the
  // last build's time is its .tsbuildinfo (else every run rebuilt once any source changed)
  const info = join(ROOT, 'dist', '.tsbuildinfo');
  const lastBuild = existsSync(info) ? statSync(info).mtimeMs : 0;
  const built = scripts.map((f) => (existsSync(f) ? Math.max(statSync(f).mtimeMs, lastBuild) : 0));
  const sources = Math.max(
    ...SOURCE_DIRS.map((d) => newestTs(join(ROOT, d))),
    ...SOURCE_FILES.map((f) => statSync(join(ROOT, f)).mtimeMs),
  );
  if (Math.min(...built) >= sources) return;
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'hack/tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch {
    // tsc emits despite type errors elsewhere in the tree; only a missing output is fatal
  }
  for (const f of scripts) {
    if (!existsSync(f)) throw new Error(`${f} is missing after the build`);
  }
}

/** A spawned binary with its stdout and stderr collected together. */
export interface SpawnedBinary {
  /** For failure messages. */
  name: string;
  child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr, as they came). */
  out: () => string;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** Spawns `node script ...args`; `name` defaults to the script's base name. */
export function spawnBinary(
  script: string,
  args: string[],
  name = basename(script, '.js'),
): SpawnedBinary {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { name, child, out: () => text, exited };
}

/** Waits until the output matches `re`; fails at once when the process exits first. */
export async function waitOutput(p: SpawnedBinary, re: RegExp, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${p.name} output ${String(re)}`,
    () => {
      if (p.child.exitCode !== null) {
        throw new Error(`${p.name} exited ${String(p.child.exitCode)}: ${p.out()}`);
      }
      return Promise.resolve(re.test(p.out()));
    },
    timeoutMs,
  );
}

/** The exit code within `ms`, or 'timeout'. */
export function exitWithin(p: SpawnedBinary, ms: number): Promise<number | null | 'timeout'> {
  return Promise.race([
    p.exited,
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms)),
  ]);
}
