/**
 * Who uses a machine-wide daemon (the project's dockerd): processes register in a folder, and
 * starting or stopping the daemon happens under a lock file, so that one process never stops a
 * daemon another has just found running. Entries of processes that died are ignored and removed.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, takeLockFile } from '../../machinery/util/lock-file.js';

/** A held pid whose process is gone (an empty or unreadable one counts as held: being written). */
const gone = (held: string): boolean => {
  const pid = Number(held);
  return pid > 0 && !processAlive(pid);
};

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
    while (!takeLockFile(this.lockFile, String(process.pid), gone)) {
      if (Date.now() > deadline) {
        throw new Error(`${this.lockFile} still held after ${String(timeoutMs)} ms`);
      }
      await new Promise((r) => setTimeout(r, 100));
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
      if (!gone(n.split('-')[0] ?? '')) return true;
      rmSync(join(this.dir, n), { force: true });
      return false;
    });
  }
}
