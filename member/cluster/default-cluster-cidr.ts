/**
 * The default pod range of an in-process {@link MemberCluster}: a /20 inside 127.128.0.0/9 (the
 * local set-up's ranges sit below 127.128, node addresses in 127.0). Many test clusters run at
 * once, in several processes, so each takes its /20 by creating a lock file naming its process;
 * a lock whose process is gone is stale and taken over. Inside one process a set of taken blocks
 * is enough. A block stays taken for the life of the process (a stopped cluster may start again
 * with the podCIDRs its Nodes already hold).
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive, takeLockFile } from '../../machinery/util/lock-file.js';

/** Number of /20 blocks in 127.128.0.0/9. */
const BLOCKS = 2 ** (20 - 9);
/** Blocks this process holds. */
const mine = new Set<number>();

/** Where the block locks live (one file per taken block). */
function lockDir(): string {
  return join(tmpdir(), 'flotilla-pod-cidrs');
}

/** Creates the lock of `block`, taking over a stale one; false when a live process holds it. */
function take(dir: string, block: number): boolean {
  return takeLockFile(join(dir, String(block)), String(process.pid), (held) => {
    const pid = Number(held.trim());
    return !(pid === process.pid || (Number.isInteger(pid) && pid > 0 && processAlive(pid)));
  });
}

/** `127.X.Y.0/20` of block `i` (0 ≤ i < 2048). */
function blockCidr(i: number): string {
  const second = 128 + Math.floor(i / 16);
  const third = (i % 16) * 16;
  return `127.${String(second)}.${String(third)}.0/20`;
}

/**
 * A /20 in 127.128.0.0/9 no other cluster of any process on this machine holds. Falls back to a
 * random block (with no lock) when the lock folder cannot be written or every block is taken.
 */
export function defaultClusterCidr(): string {
  const start = Math.floor(Math.random() * BLOCKS);
  let dir: string | undefined = lockDir();
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    dir = undefined;
  }
  for (let k = 0; k < BLOCKS; k++) {
    const i = (start + k) % BLOCKS;
    if (mine.has(i)) continue;
    try {
      if (dir !== undefined && !take(dir, i)) continue;
    } catch {
      // an unreadable lock: treat the block as taken
      continue;
    }
    mine.add(i);
    return blockCidr(i);
  }
  return blockCidr(start);
}
