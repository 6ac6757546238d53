// The federation as separate processes from the build: API server replicas and controller
// manager replicas (dist/federation/cmd/*.js), each a child process whose stdout and stderr are
// kept apart for assertions and failure messages. dist/ is rebuilt first when a source is newer
// (see binaries.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { distScript, ensureBuilt as ensureScriptsBuilt, ROOT } from './binaries.js';

export { ROOT };
/** The two binaries, as built. */
export const APISERVER_JS = distScript('federation/cmd/federation-apiserver.js');
export const CONTROLLER_MANAGER_JS = distScript('federation/cmd/federation-controller-manager.js');

/** Rebuilds dist/ when a federation binary is missing or older than its sources. */
export function ensureBuilt(): void {
  ensureScriptsBuilt([APISERVER_JS, CONTROLLER_MANAGER_JS]);
}

/** One child process of a binary, with its output. */
export class BinaryProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves to the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, args: string[]) {
    this.child = spawn(process.execPath, ['--enable-source-maps', script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
  }

  /** Waits until stdout matches `re` (rejects when the process exits first or after `timeoutMs`). */
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      const m = re.exec(this.stdout);
      if (m) return m;
      if (exited) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${String(re)} in output:\n${this.stdout}\n${this.stderr}`);
  }

  /** Sends `signal` and waits for the exit. */
  async kill(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Runs a binary to completion (for --help and usage errors). */
export async function runBinary(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new BinaryProcess(script, args);
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}
