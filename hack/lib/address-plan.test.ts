import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireAddressPlan, planForSlot, recordedSlot, slotLockDir } from './address-plan.js';

let base = '';
let savedTmp: string | undefined;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'address-plan-'));
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = join(base, 'tmp'); // the locks of this test only
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(base, { recursive: true, force: true });
});

describe('address plan', () => {
  it('lays out a /16: cluster-set IPs, then per member a Service /24 and a pod /21', () => {
    const p = planForSlot(42);
    expect(p.clustersetCidr).toBe('127.42.1.0/24');
    expect(p.member(1)).toEqual({
      serviceCidr: '127.42.16.0/24',
      clusterCidr: '127.42.24.0/21',
      nodeCidrMaskSize: 26,
    });
    expect(p.member(15).clusterCidr).toBe('127.42.248.0/21');
    expect(() => p.member(16)).toThrow(/room for 15 members/);
    expect(() => planForSlot(0)).toThrow(/not in 1..254/);
  });

  it('gives two federations different slots and a restarted one its own again', () => {
    const a = acquireAddressPlan(join(base, 'a'));
    const b = acquireAddressPlan(join(base, 'b'));
    expect(a.slot).not.toBe(b.slot);
    expect(recordedSlot(join(base, 'a'))).toBe(a.slot);
    expect(acquireAddressPlan(join(base, 'a')).slot).toBe(a.slot);
    a.release();
    expect(existsSync(join(slotLockDir(), String(a.slot)))).toBe(false);
    expect(recordedSlot(join(base, 'a'))).toBeUndefined();
    expect(existsSync(join(slotLockDir(), String(b.slot)))).toBe(true);
  });

  it('takes over a stale lock: its state folder is gone or its process has exited', () => {
    const a = acquireAddressPlan(join(base, 'a'));
    rmSync(join(base, 'a'), { recursive: true, force: true });
    // every other slot is held by a live federation: the stale one is the only choice
    const held: number[] = [];
    for (let s = 16; s <= 127; s++) {
      if (s === a.slot) continue;
      const st = join(base, `held-${String(s)}`);
      acquireAddressPlanAt(st, s);
      held.push(s);
    }
    const c = acquireAddressPlan(join(base, 'c'));
    expect(c.slot).toBe(a.slot);
    expect(JSON.parse(readFileSync(join(slotLockDir(), String(c.slot)), 'utf8'))).toMatchObject({
      state: join(base, 'c'),
    });
    // a lock naming a dead process is stale even though its state folder still records the slot
    writeFileSync(
      join(slotLockDir(), String(c.slot)),
      JSON.stringify({ state: join(base, 'c'), pid: 2 ** 22 + 7 }),
    );
    expect(acquireAddressPlan(join(base, 'd')).slot).toBe(c.slot);
    expect(() => acquireAddressPlan(join(base, 'e'))).toThrow(/no free loopback address slot/);
    expect(held).toHaveLength(111);
  });
});

/** Holds slot `s` for a state folder the way a running local federation does. */
function acquireAddressPlanAt(state: string, s: number): void {
  rmSync(state, { recursive: true, force: true });
  const dir = slotLockDir();
  writeFileSync(join(dir, String(s)), JSON.stringify({ state, pid: process.pid }));
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'address-slot'), `${String(s)}\n`);
}
