/**
 * Lock files that claim a numbered resource (an address block, a slot) among processes on one
 * machine: the file is created exclusively, and a lock whose holder is gone is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Whether `pid` is a running process (one of another user counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates the lock file `path` holding `content`. When it exists, `stale(held)` decides from the
 * held content whether its holder is gone: then the lock is taken over, else false is returned.
 * An unreadable lock counts as held.
 */
export function takeLockFile(
  path: string,
  content: string,
  stale: (held: string) => boolean,
): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, content);
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let held: string;
    try {
      held = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      return false;
    }
    if (!stale(held)) return false;
    rmSync(path, { force: true });
  }
  return false;
}
