/**
 * A process supervisor for the local federation: every component runs as its own OS process, is
 * restarted with exponential back-off when it exits unexpectedly, and can be stopped, started and
 * killed by name or group (from code, or through the control socket: hack/lib/supervisor-control.ts
 * and hack/local-ctl.ts). State lives in `<stateDir>`:
 *   logs/<name>.log        stdout and stderr of each process (appended across restarts)
 *   logs/supervisor.log    one line per start, exit, restart and stop
 *   processes.json         the current table (name, group, pid, restarts, state, lastExit)
 *   supervisor.sock        the control endpoint ({@link Supervisor.serveControl})
 *
 * Each process gets its own process group (`detached`), and signals go to the whole group, so a
 * wrapper (`sh -c ...`) never leaves its children behind. The flip side: Ctrl-C on the terminal no
 * longer reaches the children, so the owner must call {@link Supervisor.shutdown} (or stopAll) on
 * SIGINT/SIGTERM; a plain exit of the owner (process.exit, an uncaught error) sends them SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from '../../machinery/controller/controller.js';
import { serveSupervisorControl } from './supervisor-control.js';
import {
  UnknownTargetError,
  type BackoffOptions,
  type ProcessExit,
  type ProcessSpec,
  type ProcessStatus,
  type SupervisorOptions,
} from './supervisor-types.js';

export {
  UnknownTargetError,
  type BackoffOptions,
  type ProcessExit,
  type ProcessSpec,
  type ProcessState,
  type ProcessStatus,
  type SupervisorOptions,
} from './supervisor-types.js';

interface Entry {
  spec: ProcessSpec;
  child: ChildProcess | undefined;
  exited: Promise<void> | undefined;
  status: ProcessStatus;
  /** Whether the supervisor should keep the process up. */
  wanted: boolean;
  /** In its first start, before ready: an exit then fails `add`/`start` instead of restarting. */
  starting: boolean;
  startedMs: number;
  nextDelayMs: number;
  timer: NodeJS.Timeout | undefined;
}

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts, watches and restarts the local federation's processes (see the module comment). */
export class Supervisor {
  readonly stateDir: string;
  readonly logDir: string;
  private readonly logger: Logger;
  private readonly backoff: Required<BackoffOptions>;
  private readonly stopGraceMs: number;
  /** In start order. */
  private readonly entries: Entry[] = [];
  private control: Server | undefined;

  constructor(opts: SupervisorOptions) {
    this.stateDir = opts.stateDir;
    this.logDir = join(opts.stateDir, 'logs');
    const logger = opts.logger ?? silent;
    this.logger =
      typeof logger === 'function' ? { info: logger, warn: logger, error: logger } : logger;
    this.backoff = {
      initialMs: opts.backoff?.initialMs ?? 1_000,
      maxMs: opts.backoff?.maxMs ?? 30_000,
      resetAfterMs: opts.backoff?.resetAfterMs ?? 60_000,
    };
    this.stopGraceMs = opts.stopGraceMs ?? 10_000;
    // children have their own process groups and would outlive a supervisor that exits without
    // stopAll (an uncaught error, process.exit): nobody could restart or stop them then
    process.once('exit', this.onOwnerExit);
    mkdirSync(this.logDir, { recursive: true });
  }

  /**
   * Spawns the process and waits until `spec.ready` holds; from then on restarts it after
   * unexpected exits. @throws Error when the name is taken, or the process exits or is not ready
   * in time (it is then stopped and stays in the table as `stopped`)
   */
  async add(spec: ProcessSpec): Promise<void> {
    if (this.entries.some((e) => e.spec.name === spec.name)) {
      throw new Error(`a process named "${spec.name}" is already supervised`);
    }
    const entry: Entry = {
      spec,
      child: undefined,
      exited: undefined,
      wanted: true,
      starting: false,
      startedMs: 0,
      nextDelayMs: this.backoff.initialMs,
      timer: undefined,
      status: {
        name: spec.name,
        group: spec.group,
        pid: null,
        state: 'stopped',
        restarts: 0,
        lastExit: null,
        startedAt: null,
        history: [],
      },
    };
    this.entries.push(entry);
    await this.startEntry(entry);
  }

  /** Stops every process of `target` (a name or a group), in reverse start order; no restart. */
  async stop(target: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<string[]> {
    const entries = this.match(target).reverse();
    for (const e of entries) await this.stopEntry(e, signal);
    return entries.map((e) => e.spec.name);
  }

  /** Starts the stopped processes of `target` again, in start order, each until ready. */
  async start(target: string): Promise<string[]> {
    const entries = this.match(target).filter((e) => e.status.state === 'stopped');
    for (const e of entries) await this.startEntry(e);
    return entries.map((e) => e.spec.name);
  }

  /**
   * Sends `signal` to the running processes of `target` without marking them stopped: the
   * supervisor sees an unexpected exit and restarts them (crash simulation). Returns the pids.
   */
  kill(target: string, signal: NodeJS.Signals = 'SIGKILL'): number[] {
    const pids: number[] = [];
    for (const e of this.match(target)) {
      const pid = e.child?.pid;
      if (pid === undefined || e.status.pid === null) continue;
      this.event(`kill ${e.spec.name} (pid ${String(pid)}) with ${signal}`);
      signalGroup(pid, signal);
      pids.push(pid);
    }
    return pids;
  }

  /** Stops every process in reverse start order. */
  async stopAll(): Promise<void> {
    for (const e of [...this.entries].reverse()) await this.stopEntry(e);
  }

  /** The table, in start order. */
  list(): ProcessStatus[] {
    return this.entries.map((e) => structuredClone(e.status));
  }

  /** Serves the control API on `<stateDir>/supervisor.sock`; returns the socket path. */
  async serveControl(): Promise<string> {
    const socketPath = join(this.stateDir, 'supervisor.sock');
    this.control ??= await serveSupervisorControl(this, socketPath);
    return socketPath;
  }

  /** {@link Supervisor.stopAll}, then closes the control socket. */
  async shutdown(): Promise<void> {
    await this.stopAll();
    process.off('exit', this.onOwnerExit);
    const srv = this.control;
    this.control = undefined;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }

  private readonly onOwnerExit = (): void => {
    for (const e of this.entries) {
      if (e.child?.pid !== undefined) signalGroup(e.child.pid, 'SIGTERM');
    }
  };

  private match(target: string): Entry[] {
    const found = this.entries.filter((e) => e.spec.name === target || e.spec.group === target);
    if (found.length === 0) throw new UnknownTargetError(target);
    return found;
  }

  private async startEntry(e: Entry): Promise<void> {
    e.wanted = true;
    e.starting = true;
    e.nextDelayMs = this.backoff.initialMs;
    try {
      this.spawnEntry(e);
      await this.waitReady(e);
    } finally {
      e.starting = false;
    }
    this.event(`${e.spec.name} is ready`);
  }

  private async waitReady(e: Entry): Promise<void> {
    const { ready, readyTimeoutMs = 30_000 } = e.spec;
    const deadline = Date.now() + readyTimeoutMs;
    const child = e.child;
    if (child?.pid === undefined) {
      await e.exited; // a failed spawn (ENOENT, EACCES...) has no pid and emits only 'error'
      throw new Error(`${e.spec.name} could not be started; see ${this.logOf(e)}`);
    }
    for (;;) {
      if (e.child !== child || e.status.state !== 'running') {
        await this.stopEntry(e);
        throw new Error(`${e.spec.name} exited before it was ready; see ${this.logOf(e)}`);
      }
      if (!ready || (await ready().catch(() => false))) break;
      if (Date.now() > deadline) {
        await this.stopEntry(e);
        throw new Error(
          `${e.spec.name} was not ready after ${String(readyTimeoutMs)} ms; see ${this.logOf(e)}`,
        );
      }
      await sleep(100);
    }
  }

  private logOf(e: Entry): string {
    return join(this.logDir, `${e.spec.name}.log`);
  }

  private spawnEntry(e: Entry): void {
    const { spec } = e;
    const log = this.logOf(e);
    appendFileSync(
      log,
      `--- ${new Date().toISOString()} start ${spec.command} ${spec.args.join(' ')}\n`,
    );
    const fd = openSync(log, 'a');
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        env: { ...process.env, ...(spec.env ?? {}) },
        ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    e.child = child;
    e.startedMs = Date.now();
    e.status.pid = child.pid ?? null;
    e.status.state = 'running';
    e.status.startedAt = new Date(e.startedMs).toISOString();
    e.exited = new Promise((resolve) => {
      let done = false;
      const onEnd = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        this.onExit(e, child, code, signal);
        resolve();
      };
      child.once('exit', onEnd);
      child.once('error', (err) => {
        // a spawn failure (ENOENT...) emits no 'exit'; an error after the spawn is followed by one
        if (child.pid === undefined) {
          appendFileSync(log, `--- spawn failed: ${err.message}\n`);
          onEnd(null, null);
        }
      });
    });
    this.event(`start ${spec.name} (group ${spec.group}) pid ${String(child.pid ?? '-')}`);
  }

  private onExit(e: Entry, child: ChildProcess, code: number | null, signal: string | null): void {
    if (e.child !== child) return;
    e.child = undefined;
    e.status.pid = null;
    const exit: ProcessExit = { time: new Date().toISOString(), code, signal };
    e.status.lastExit = exit;
    const ranMs = Date.now() - e.startedMs;
    const how = `code=${String(code)} signal=${String(signal)} after ${(ranMs / 1000).toFixed(1)} s`;
    if (!e.wanted || e.starting || e.spec.restart === false) {
      const why = e.wanted ? (e.starting ? 'before it was ready' : 'restart: false') : 'stopped';
      e.wanted = false;
      e.status.state = 'stopped';
      this.event(`${e.spec.name} exited ${how}; not restarting (${why})`);
      return;
    }
    if (ranMs >= this.backoff.resetAfterMs) e.nextDelayMs = this.backoff.initialMs;
    const delay = e.nextDelayMs;
    e.nextDelayMs = Math.min(delay * 2, this.backoff.maxMs);
    exit.backoffMs = delay;
    e.status.restarts++;
    e.status.history = [...e.status.history, { ...exit }].slice(-10);
    e.status.state = 'backoff';
    this.event(
      `restart ${e.spec.name}: exited ${how}; restart #${String(e.status.restarts)} in ${String(delay)} ms`,
      'warn',
    );
    e.timer = setTimeout(() => {
      e.timer = undefined;
      if (e.wanted && e.status.state === 'backoff') this.spawnEntry(e);
    }, delay);
  }

  /** `signal` SIGKILL holds a crashed component down (no restart) until `start`. */
  private async stopEntry(e: Entry, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    e.wanted = false;
    if (e.timer) {
      clearTimeout(e.timer);
      e.timer = undefined;
    }
    const child = e.child;
    if (child?.pid !== undefined && e.exited) {
      this.event(`stop ${e.spec.name} (pid ${String(child.pid)}) with ${signal}`);
      signalGroup(child.pid, signal);
      const pid = child.pid;
      const timer = setTimeout(() => {
        this.event(`${e.spec.name} ignored SIGTERM for ${String(this.stopGraceMs)} ms: SIGKILL`);
        signalGroup(pid, 'SIGKILL');
      }, this.stopGraceMs);
      await e.exited;
      clearTimeout(timer);
    }
    if (e.status.state !== 'stopped') {
      e.status.state = 'stopped';
      this.event(`${e.spec.name} stopped`);
    }
  }

  /** Logs a line to supervisor.log and the logger, and rewrites processes.json. */
  private event(msg: string, level: 'info' | 'warn' = 'info'): void {
    appendFileSync(join(this.logDir, 'supervisor.log'), `${new Date().toISOString()} ${msg}\n`);
    this.logger[level](msg);
    const file = join(this.stateDir, 'processes.json');
    const body = {
      supervisorPid: process.pid,
      updatedAt: new Date().toISOString(),
      processes: this.list(),
    };
    writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }
}

/** Signals the process group `pid` leads (each child is `detached`), or the process alone. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
