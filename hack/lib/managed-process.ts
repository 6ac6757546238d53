import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Options for {@link ManagedProcess}. */
export interface ManagedProcessOptions {
  command: string;
  args: string[];
  /** File that receives stdout and stderr. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * A child process owned by a test run or by local-up: started detached from stdio,
 * logged to a file, and stopped with SIGTERM (then SIGKILL after a grace period).
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  private exited: Promise<void>;

  constructor(opts: ManagedProcessOptions) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    this.logFile = opts.logFile;
    this.child = spawn(opts.command, opts.args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => {
        resolve();
      });
      this.child.once('error', () => {
        resolve();
      });
    });
  }

  /** True while the process has not exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops the process and waits for it to exit. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
