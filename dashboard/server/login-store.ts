import type { UserInfo } from '../../machinery/auth/user-info.js';
import { ConflictError, NotFoundError } from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import type { ObjectStorage } from '../../machinery/storage/object-storage.js';
import { newSecret, newSessionToken, sha256Hex } from './secrets.js';

/** Storage key prefixes: outside `/registry/`, so no served resource lists or watches them. */
const CODES = '/dashboard/logincodes/';
const SESSIONS = '/dashboard/sessions/';
const API_VERSION = 'dashboard.flotilla.io/v1';
/** Expired entries are swept at most this often per process (on the next write). */
const SWEEP_INTERVAL_MS = 60_000;

/** What is stored under a code's or session's digest. */
interface GrantObject extends KubeObject {
  spec: {
    user: { name: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
    expiresAt: string;
  };
}

/** A secret handed out once, with the time it stops working. */
export interface IssuedSecret {
  /** The secret itself (a login code or a session token); never stored. */
  secret: string;
  expiresAt: Date;
}

/** Options for {@link LoginStore}. */
export interface LoginStoreOptions {
  storage: ObjectStorage;
  /** @defaultValue Date.now */
  now?: () => number;
}

function plainUser(u: UserInfo): GrantObject['spec']['user'] {
  return {
    name: u.name,
    ...(u.uid !== undefined ? { uid: u.uid } : {}),
    groups: [...u.groups],
    ...(u.extra !== undefined
      ? { extra: Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]])) }
      : {}),
  };
}

/**
 * One-time login codes and dashboard sessions in the federation's storage (etcd), keyed by the
 * SHA-256 of the secret. Every API server replica reads the same keys, so a session made by one
 * is accepted by all, and redeeming a code is a delete conditional on the revision read: of two
 * replicas racing for the same code exactly one succeeds. Expired entries are refused when read
 * and swept from storage now and then on writes.
 */
export class LoginStore {
  private readonly storage: ObjectStorage;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(opts: LoginStoreOptions) {
    this.storage = opts.storage;
    this.now = opts.now ?? Date.now;
  }

  /** Stores a new one-time login code for `user`, valid `ttlMs`. */
  async createCode(user: UserInfo, ttlMs: number): Promise<IssuedSecret> {
    await this.maybeSweep();
    const secret = newSecret();
    return { secret, expiresAt: await this.put(CODES, 'DashboardLoginCode', secret, user, ttlMs) };
  }

  /**
   * Redeems a login code: the user it was made for, once. Undefined when the code is unknown,
   * expired or already used (by this or another replica).
   */
  async redeemCode(code: string): Promise<UserInfo | undefined> {
    const key = CODES + sha256Hex(code);
    const obj = (await this.storage.get(key)) as GrantObject | undefined;
    if (obj === undefined) return undefined;
    try {
      await this.storage.delete(key, obj.metadata.resourceVersion);
    } catch (err) {
      // another replica redeemed (deleted) it between our read and our delete
      if (err instanceof NotFoundError || err instanceof ConflictError) return undefined;
      throw err;
    }
    return this.live(obj);
  }

  /** Starts a session for `user`, valid `ttlMs`: the bearer token and its expiry. */
  async createSession(user: UserInfo, ttlMs: number): Promise<IssuedSecret> {
    await this.maybeSweep();
    const secret = newSessionToken();
    return { secret, expiresAt: await this.put(SESSIONS, 'DashboardSession', secret, user, ttlMs) };
  }

  /** The user of a live session token, or undefined (unknown, expired or ended). */
  async sessionUser(token: string): Promise<UserInfo | undefined> {
    const key = SESSIONS + sha256Hex(token);
    const obj = (await this.storage.get(key)) as GrantObject | undefined;
    if (obj === undefined) return undefined;
    const user = this.live(obj);
    if (user === undefined) await this.remove(key, obj.metadata.resourceVersion);
    return user;
  }

  /** Ends a session (logout). True when it existed. */
  async endSession(token: string): Promise<boolean> {
    return this.remove(SESSIONS + sha256Hex(token));
  }

  /**
   * Ends every session of a user name, and drops that user's unused login codes (revocation,
   * e.g. when someone leaves). Returns how many were removed.
   */
  async revokeUser(name: string): Promise<number> {
    let n = 0;
    for (const prefix of [CODES, SESSIONS]) {
      const { items } = await this.storage.list(prefix, {
        filter: (o) => (o as GrantObject).spec.user.name === name,
      });
      for (const o of items) {
        if (await this.remove(prefix + (o.metadata.name ?? ''), o.metadata.resourceVersion)) n++;
      }
    }
    return n;
  }

  /** Deletes every expired code and session; returns how many. */
  async sweep(): Promise<number> {
    this.lastSweep = this.now();
    let n = 0;
    for (const prefix of [CODES, SESSIONS]) {
      const { items } = await this.storage.list(prefix, {
        filter: (o) => this.live(o as GrantObject) === undefined,
      });
      for (const o of items) {
        if (await this.remove(prefix + (o.metadata.name ?? ''), o.metadata.resourceVersion)) n++;
      }
    }
    return n;
  }

  private async maybeSweep(): Promise<void> {
    if (this.now() - this.lastSweep >= SWEEP_INTERVAL_MS) await this.sweep();
  }

  private async put(
    prefix: string,
    kind: string,
    secret: string,
    user: UserInfo,
    ttlMs: number,
  ): Promise<Date> {
    const now = this.now();
    const expiresAt = new Date(now + ttlMs);
    const digest = sha256Hex(secret);
    const obj: GrantObject = {
      apiVersion: API_VERSION,
      kind,
      metadata: { name: digest, creationTimestamp: new Date(now).toISOString() },
      spec: { user: plainUser(user), expiresAt: expiresAt.toISOString() },
    };
    await this.storage.create(prefix + digest, obj);
    return expiresAt;
  }

  /** The stored user while the entry has not expired. */
  private live(obj: GrantObject): UserInfo | undefined {
    const expires = Date.parse(obj.spec.expiresAt);
    if (!(expires > this.now())) return undefined;
    const u = obj.spec.user;
    return {
      name: u.name,
      groups: u.groups,
      ...(u.uid !== undefined ? { uid: u.uid } : {}),
      ...(u.extra !== undefined ? { extra: u.extra } : {}),
    };
  }

  /** Deletes a key; false when it was already gone (or changed) — both are fine for us. */
  private async remove(key: string, rv?: string): Promise<boolean> {
    try {
      await this.storage.delete(key, rv);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof ConflictError) return false;
      throw err;
    }
  }
}
