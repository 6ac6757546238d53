/**
 * Loopback addresses of one local federation. Pods, Service ClusterIPs and cluster-set IPs are
 * real listening addresses on this machine (all inside 127.0.0.0/8, nothing else is ever handed
 * out), so two local federations running at once (the test suite starts several) must not share
 * them: each takes its own /16, `127.S.0.0/16`, by creating a lock file for S. The lock names the
 * state folder that owns it; a lock whose state folder no longer records that slot is stale and
 * is taken over.
 *
 * Inside the /16:
 * - `127.S.1.0/24`: cluster-set IPs of multi-cluster services (the federation's);
 * - member i (1..15) owns `127.S.16i.0/20`: its Service ClusterIPs in `127.S.16i.0/24` (.1 is
 *   `default/kubernetes`, .10 `kube-system/kube-dns`), its pods in `127.S.(16i+8).0/21`, cut into
 *   one /26 per node (32 nodes of 62 pods).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processAlive, takeLockFile } from '../../machinery/util/lock-file.js';

/** Slots are taken from this range of second octets (127.0.x is the node addresses'). */
const FIRST_SLOT = 16;
const LAST_SLOT = 127;
/** Members one plan has room for. */
export const MAX_PLANNED_MEMBERS = 15;
/** Prefix length of each node's pod CIDR inside a member's cluster CIDR. */
export const NODE_CIDR_MASK_SIZE = 26;

/** Where the slot locks live (one file per taken slot). */
export function slotLockDir(): string {
  return join(tmpdir(), 'flotilla-address-slots');
}

/** The address ranges of one member cluster. */
export interface MemberAddresses {
  /** `--service-cluster-ip-range` of its API server. */
  serviceCidr: string;
  /** `--cluster-cidr` of its controller manager (pods). */
  clusterCidr: string;
  /** `--node-cidr-mask-size`. */
  nodeCidrMaskSize: number;
}

/** The address plan of one local federation. */
export interface AddressPlan {
  slot: number;
  /** `--clusterset-ip-range` of the federation controller manager. */
  clustersetCidr: string;
  member(i: number): MemberAddresses;
  /** Gives the slot back (local-down, or a failed start). */
  release(): void;
}

/** The plan of slot `slot` (no lock taken: for tests and for reading a running federation's). */
export function planForSlot(slot: number, release: () => void = () => undefined): AddressPlan {
  if (!Number.isInteger(slot) || slot < 1 || slot > 254) {
    throw new Error(`address slot ${String(slot)} is not in 1..254`);
  }
  const s = String(slot);
  return {
    slot,
    clustersetCidr: `127.${s}.1.0/24`,
    member(i: number): MemberAddresses {
      if (!Number.isInteger(i) || i < 1 || i > MAX_PLANNED_MEMBERS) {
        throw new Error(
          `member ${String(i)}: a local federation has room for ${String(MAX_PLANNED_MEMBERS)} members`,
        );
      }
      return {
        serviceCidr: `127.${s}.${String(16 * i)}.0/24`,
        clusterCidr: `127.${s}.${String(16 * i + 8)}.0/21`,
        nodeCidrMaskSize: NODE_CIDR_MASK_SIZE,
      };
    },
    release,
  };
}

/** The file in a state folder that records its slot. */
function slotFile(state: string): string {
  return join(state, 'address-slot');
}

/** The slot a state folder records, if any. */
export function recordedSlot(state: string): number | undefined {
  try {
    const n = Number(readFileSync(slotFile(state), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock for `slot` is held: by a process that still runs, for a state folder that still
 * records the slot.
 */
function lockIsLive(content: string, slot: number): boolean {
  let held: { state?: string; pid?: number };
  try {
    held = JSON.parse(content) as { state?: string; pid?: number };
  } catch {
    return false; // half-written or garbled: a crashed writer
  }
  const owner = held.state ?? '';
  if (typeof held.pid === 'number' && !processAlive(held.pid)) return false;
  return owner !== '' && recordedSlot(owner) === slot;
}

/**
 * Takes a free slot for `state` (its own again when it already records one, e.g. a restart of
 * the same federation) and records it in `<state>/address-slot`.
 */
export function acquireAddressPlan(state: string): AddressPlan {
  const dir = slotLockDir();
  mkdirSync(dir, { recursive: true });
  const owner = resolve(state);
  const release = (slot: number) => (): void => {
    const lock = join(dir, String(slot));
    try {
      const held = (JSON.parse(readFileSync(lock, 'utf8')) as { state?: string }).state;
      if (held === owner) rmSync(lock, { force: true });
    } catch {
      // already gone
    }
    rmSync(slotFile(owner), { force: true });
  };
  const take = (slot: number): boolean => {
    const lock = join(dir, String(slot));
    // the state folder records the slot before the lock exists, so nobody finds the new lock stale
    mkdirSync(owner, { recursive: true });
    writeFileSync(slotFile(owner), `${String(slot)}\n`);
    return takeLockFile(lock, JSON.stringify({ state: owner, pid: process.pid }), (held) => {
      try {
        // our own lock (a restart of the same federation) is taken over as well
        if ((JSON.parse(held) as { state?: string }).state === owner) return true;
      } catch {
        return true; // half-written or garbled: a crashed writer
      }
      return !lockIsLive(held, slot);
    });
  };
  const mine = recordedSlot(owner);
  const order: number[] = [];
  if (mine !== undefined && mine >= FIRST_SLOT && mine <= LAST_SLOT) order.push(mine);
  // start at a random slot so federations started at the same moment rarely race for one
  const span = LAST_SLOT - FIRST_SLOT + 1;
  const start = Math.floor(Math.random() * span);
  for (let k = 0; k < span; k++) order.push(FIRST_SLOT + ((start + k) % span));
  for (const slot of order) {
    if (take(slot)) return planForSlot(slot, release(slot));
  }
  rmSync(slotFile(owner), { force: true });
  throw new Error(
    `no free loopback address slot (127.${String(FIRST_SLOT)}-${String(LAST_SLOT)}.0.0/16): ` +
      `every one is held by a running local federation (locks in ${dir})`,
  );
}
