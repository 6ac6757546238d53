/**
 * Disk full under an etcd: a size-limited tmpfs mounted (as root) on one member's data folder
 * before the cluster starts, a filler file that takes every free byte of it, and what etcd itself
 * says afterwards (key counts per member, alarms) through its HTTP gateway. Unmounting is
 * `MountedTmpfs.unmount`, which the test calls even on failure.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

/** A tmpfs mounted by a test. */
export interface MountedTmpfs {
  dir: string;
  /** Bytes still free. */
  free(): number;
  /**
   * Writes `<dir>/filler` until the file system answers ENOSPC; returns the bytes written.
   * The filler is what an unrelated process filling the disk would leave.
   */
  fill(): number;
  /** Removes the filler file. */
  unfill(): void;
  /** Unmounts (lazily when still busy); safe to call twice. */
  unmount(): void;
}

/** Mounts a tmpfs of `sizeMb` MiB on `dir` (created). @throws when not root or mount fails */
export function mountTmpfs(dir: string, sizeMb: number): MountedTmpfs {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${String(sizeMb)}m,mode=0700`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    free: () => {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    fill: () => {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(1024 * 1024);
      let written = 0;
      try {
        for (;;) written += writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      // the last partial page: ENOSPC again once nothing at all is left
      const tail = openSync(filler, 'a');
      try {
        for (;;) written += writeSync(tail, Buffer.alloc(4096));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(tail);
      }
      return written;
    },
    unfill: () => {
      rmSync(filler, { force: true });
    },
    unmount: () => {
      if (!mounted) return;
      try {
        execFileSync('umount', [dir], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      }
      mounted = false;
    },
  };
}

function gateway<T>(endpoint: string, path: string, body: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}${path}`, { method: 'POST', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${path}: ${String(res.statusCode)} ${text}`));
        else resolve(JSON.parse(text) as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Keys under `prefix` as member `endpoint` itself holds them (a serializable, local read). */
export async function etcdKeyCount(endpoint: string, prefix: string): Promise<number> {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const r = await gateway<{ count?: string }>(endpoint, '/v3/kv/range', {
    key: b64(prefix),
    range_end: b64(end),
    count_only: true,
    serializable: true,
  });
  return Number(r.count ?? '0');
}

/** The alarms the cluster holds (`NOSPACE`, `CORRUPT`), as `<memberID>:<alarm>`. */
export async function etcdAlarms(endpoint: string): Promise<string[]> {
  const r = await gateway<{ alarms?: { memberID?: string; alarm?: string }[] }>(
    endpoint,
    '/v3/maintenance/alarm',
    { action: 'GET' },
  );
  return (r.alarms ?? []).map((a) => `${a.memberID ?? ''}:${a.alarm ?? ''}`);
}

/** Makes the member at `target` the leader (asked of the current leader among `endpoints`). */
export async function etcdMoveLeader(endpoints: string[], target: string): Promise<void> {
  type StatusReply = { header?: { member_id?: string }; leader?: string };
  const status = await Promise.all(
    endpoints.map((e) => gateway<StatusReply>(e, '/v3/maintenance/status', {})),
  );
  const targetId = status[endpoints.indexOf(target)]?.header?.member_id;
  const leaderAt = status.findIndex((s) => s.header?.member_id === s.leader);
  const leader = endpoints[leaderAt];
  if (targetId === undefined || leader === undefined) throw new Error('etcd: no leader to ask');
  if (leader !== target) {
    await gateway(leader, '/v3/maintenance/transfer-leadership', { targetID: targetId });
  }
  const s = await gateway<StatusReply>(target, '/v3/maintenance/status', {});
  if (s.leader !== targetId) throw new Error(`etcd: ${target} did not become the leader`);
}
