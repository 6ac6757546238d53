import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonUsers } from './daemon-users.js';

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('DaemonUsers', () => {
  it('counts live users only and removes the entries of dead processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'daemon-users-'));
    const users = new DaemonUsers(dir);
    const a = users.join();
    const b = users.join();
    const dead = `${String(deadPid())}-1`;
    writeFileSync(join(dir, 'users', dead), '');
    expect(users.live().sort()).toEqual([a, b].sort());
    expect(existsSync(join(dir, 'users', dead))).toBe(false);
    users.leave(a);
    expect(users.live()).toEqual([b]);
  });

  it('runs one holder at a time and takes over a lock left by a dead process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daemon-users-'));
    const users = new DaemonUsers(dir);
    const order: string[] = [];
    const hold = (name: string, ms: number) =>
      users.locked(async () => {
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${name} out`);
      });
    await Promise.all([hold('a', 150), hold('b', 10)]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
    writeFileSync(join(dir, 'users.lock'), String(deadPid()));
    await expect(users.locked(() => Promise.resolve(7), 1000)).resolves.toBe(7);
    expect(readdirSync(dir)).not.toContain('users.lock');
  });

  it('waits on a lock file still being written (empty) like a held one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daemon-users-'));
    const users = new DaemonUsers(dir);
    mkdirSync(join(dir, 'users'), { recursive: true });
    writeFileSync(join(dir, 'users.lock'), '');
    await expect(users.locked(() => Promise.resolve(7), 300)).rejects.toThrow(/still held/);
  });
});
