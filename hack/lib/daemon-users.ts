/**
 * Who uses a machine-wide daemon (the project's dockerd): processes register in a folder, and
 * starting or stopping the daemon happens under a lock file, so that one process never stops a
 * daemon another has just found running. Entries of processes that died are ignored and removed.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** Whether a process of that pid is alive. */
export function processAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let entries = 0;

/** The users of one daemon, kept in `<dir>/users` with the lock `<dir>/users.lock`. */
export class DaemonUsers {
  private readonly dir: string;
  private readonly lockFile: string;

  constructor(dir: string) {
    this.dir = join(dir, 'users');
    this.lockFile = join(dir, 'users.lock');
  }

  /**
   * Runs `fn` holding the lock; waits (polling) while a live process holds it, up to `timeoutMs`.
   * A lock left by a dead process is taken over.
   */
  async locked<T>(fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(readOr(this.lockFile, '0'));
        // an empty file is a lock being written: wait for it like a live one
        if (holder > 0 && !processAlive(holder)) {
          rmSync(this.lockFile, { force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${this.lockFile} held by pid ${String(holder)} for over ${String(timeoutMs)} ms`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    try {
      return await fn();
    } finally {
      rmSync(this.lockFile, { force: true });
    }
  }

  /** Registers this process as a user; the result is its entry, for {@link leave}. */
  join(): string {
    mkdirSync(this.dir, { recursive: true });
    const entry = `${String(process.pid)}-${String(++entries)}`;
    closeSync(openSync(join(this.dir, entry), 'w'));
    return entry;
  }

  leave(entry: string): void {
    rmSync(join(this.dir, entry), { force: true });
  }

  /** Entries of live processes (dead ones are removed). */
  live(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => {
      if (processAlive(Number(n.split('-')[0]))) return true;
      rmSync(join(this.dir, n), { force: true });
      return false;
    });
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim() || fallback;
  } catch {
    return fallback;
  }
}
