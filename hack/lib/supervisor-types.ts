/**
 * The types of the local federation's process supervisor (hack/lib/supervisor.ts): what a
 * supervised process is, its status row (processes.json, the control API) and the options.
 */
import type { Logger } from '../../machinery/controller/controller.js';

/** One supervised process. */
export interface ProcessSpec {
  /** Unique name, e.g. `etcd-0`, `member1-apiserver`. */
  name: string;
  /** A set of processes stopped and started together, e.g. `etcd`, `member1`. */
  group: string;
  command: string;
  args: string[];
  /** Added to the supervisor's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Polled (every 100 ms) after each first start until it resolves true; a throw counts as false. */
  ready?: () => Promise<boolean>;
  /** @defaultValue 30000 */
  readyTimeoutMs?: number;
  /** Restart after an unexpected exit. @defaultValue true */
  restart?: boolean;
}

/** `running` (spawned), `backoff` (exited, waiting to restart) or `stopped` (no restart). */
export type ProcessState = 'running' | 'backoff' | 'stopped';

/** How a process ended. */
export interface ProcessExit {
  /** ISO time of the exit. */
  time: string;
  code: number | null;
  signal: string | null;
  /** The back-off before the restart that followed, when there was one. */
  backoffMs?: number;
}

/** A row of {@link Supervisor.list} and of processes.json. */
export interface ProcessStatus {
  name: string;
  group: string;
  pid: number | null;
  state: ProcessState;
  /** Automatic restarts so far (explicit `start` after `stop` does not count). */
  restarts: number;
  lastExit: ProcessExit | null;
  /** ISO time of the last spawn. */
  startedAt: string | null;
  /** The last ten automatic restarts, oldest first. */
  history: ProcessExit[];
}

/** Back-off between automatic restarts. */
export interface BackoffOptions {
  /** @defaultValue 1000 */
  initialMs?: number;
  /** @defaultValue 30000 */
  maxMs?: number;
  /** A process that ran this long before exiting restarts after `initialMs` again. @defaultValue 60000 */
  resetAfterMs?: number;
}

/** Options for {@link Supervisor}. */
export interface SupervisorOptions {
  /** Holds logs/, processes.json and supervisor.sock. */
  stateDir: string;
  /** A {@link Logger}, or a function that takes each line. @defaultValue silent */
  logger?: Logger | ((line: string) => void);
  backoff?: BackoffOptions;
  /** Time between SIGTERM and SIGKILL in `stop`. @defaultValue 10000 */
  stopGraceMs?: number;
}

/** Thrown when a name or group matches no supervised process. */
export class UnknownTargetError extends Error {
  readonly target: string;
  constructor(target: string) {
    super(`no process or group named "${target}"`);
    this.name = 'UnknownTargetError';
    this.target = target;
  }
}
