import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, AlreadyExistsError } from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import type { ObjectStorage, StorageWatch } from '../../machinery/storage/object-storage.js';
import { LoginStore } from './login-store.js';
import { isSecretShaped, isSessionToken, sha256Hex } from './secrets.js';
import { SessionAuthenticator } from './session-authenticator.js';

/** Map-backed storage with etcd's conditional delete (enough for the store). */
class MapStorage implements ObjectStorage {
  readonly data = new Map<string, KubeObject>();
  private rev = 0;
  create(key: string, obj: KubeObject): Promise<KubeObject> {
    if (this.data.has(key)) return Promise.reject(new AlreadyExistsError(key));
    const o = structuredClone(obj);
    o.metadata.resourceVersion = String(++this.rev);
    this.data.set(key, o);
    return Promise.resolve(structuredClone(o));
  }
  get(key: string): Promise<KubeObject | undefined> {
    const o = this.data.get(key);
    return Promise.resolve(o && structuredClone(o));
  }
  list(prefix: string, opts: { filter?: (o: KubeObject) => boolean } = {}) {
    const items = [...this.data.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && (opts.filter?.(o) ?? true))
      .map(([, o]) => structuredClone(o));
    return Promise.resolve({ items, resourceVersion: String(this.rev) });
  }
  update(): Promise<KubeObject> {
    return Promise.reject(new Error('not used'));
  }
  delete(key: string, expectedRv?: string): Promise<KubeObject> {
    const o = this.data.get(key);
    if (!o) return Promise.reject(new NotFoundError(key));
    if (expectedRv !== undefined && o.metadata.resourceVersion !== expectedRv) {
      return Promise.reject(new ConflictError(key));
    }
    this.data.delete(key);
    this.rev++;
    return Promise.resolve(o);
  }
  watch(): StorageWatch {
    throw new Error('not used');
  }
  currentRevision(): Promise<string> {
    return Promise.resolve(String(this.rev));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const bob = { name: 'bob', groups: ['team', 'system:authenticated'] };

function setup(): { storage: MapStorage; store: LoginStore; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  const storage = new MapStorage();
  return { storage, clock, store: new LoginStore({ storage, now: () => clock.t }) };
}

describe('LoginStore', () => {
  it('stores only the SHA-256 of a code, never the code', async () => {
    const { storage, store } = setup();
    const { secret } = await store.createCode(bob, 60_000);
    expect(isSecretShaped(secret)).toBe(true);
    const keys = [...storage.data.keys()];
    expect(keys).toEqual([`/dashboard/logincodes/${sha256Hex(secret)}`]);
    expect(JSON.stringify([...storage.data.values()])).not.toContain(secret);
  });

  it('redeems a code once, as the user it was made for', async () => {
    const { store } = setup();
    const { secret, expiresAt } = await store.createCode(bob, 60_000);
    expect(expiresAt.getTime()).toBe(1_000_000 + 60_000);
    expect(await store.redeemCode(secret)).toEqual({ name: 'bob', groups: bob.groups });
    expect(await store.redeemCode(secret)).toBeUndefined();
  });

  it('refuses an unknown code and an expired one (and removes the expired one)', async () => {
    const { storage, store, clock } = setup();
    expect(await store.redeemCode('x'.repeat(43))).toBeUndefined();
    const { secret } = await store.createCode(bob, 60_000);
    clock.t += 60_000;
    expect(await store.redeemCode(secret)).toBeUndefined();
    expect(storage.data.size).toBe(0);
  });

  it('lets exactly one of two racing redemptions win', async () => {
    const { store } = setup();
    const { secret } = await store.createCode(bob, 60_000);
    const results = await Promise.all([store.redeemCode(secret), store.redeemCode(secret)]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('sessions: a prefixed token, authenticated until expiry or logout', async () => {
    const { storage, store, clock } = setup();
    const s = await store.createSession(bob, 3_600_000);
    expect(isSessionToken(s.secret)).toBe(true);
    expect(JSON.stringify([...storage.data.values()])).not.toContain(s.secret);
    expect((await store.sessionUser(s.secret))?.name).toBe('bob');
    clock.t += 3_600_000;
    expect(await store.sessionUser(s.secret)).toBeUndefined();
    expect(storage.data.size).toBe(0);
    const t = await store.createSession(bob, 3_600_000);
    expect(await store.endSession(t.secret)).toBe(true);
    expect(await store.sessionUser(t.secret)).toBeUndefined();
    expect(await store.endSession(t.secret)).toBe(false);
  });

  it('revokes every session and code of a user, and sweeps expired entries', async () => {
    const { storage, store, clock } = setup();
    const alice = { name: 'alice', groups: [] };
    const a = await store.createSession(alice, 10_000);
    await store.createCode(alice, 10_000);
    const b = await store.createSession(bob, 10_000);
    expect(await store.revokeUser('alice')).toBe(2);
    expect(await store.sessionUser(a.secret)).toBeUndefined();
    expect((await store.sessionUser(b.secret))?.name).toBe('bob');
    clock.t += 20_000;
    expect(await store.sweep()).toBe(1);
    expect(storage.data.size).toBe(0);
  });
});

describe('SessionAuthenticator', () => {
  const request = (authorization?: string) => ({
    headers: authorization === undefined ? {} : { authorization },
    peerCertificate: undefined,
    remoteAddress: '127.0.0.1',
  });

  it('authenticates live session tokens as their user', async () => {
    const { store } = setup();
    const auth = new SessionAuthenticator(store);
    const s = await store.createSession(bob, 60_000);
    expect(await auth.authenticate(request(`Bearer ${s.secret}`))).toEqual({
      name: 'bob',
      groups: bob.groups,
    });
    expect(await auth.authenticate(request(`Bearer ${s.secret}x`))).toBeUndefined();
  });

  it('leaves other credentials to the other authenticators without reading storage', async () => {
    const storage = new MapStorage();
    storage.get = () => Promise.reject(new Error('read'));
    const auth = new SessionAuthenticator(new LoginStore({ storage }));
    for (const h of [undefined, 'Bearer abcdef.0123456789abcdef', 'Basic Ym9iOng=']) {
      expect(await auth.authenticate(request(h)), h).toBeUndefined();
    }
  });
});

describe('secrets', () => {
  it('tells session tokens from other bearer tokens', () => {
    expect(isSessionToken('flotilla-dashboard.' + 'a'.repeat(43))).toBe(true);
    expect(isSessionToken('abcdef.0123456789abcdef')).toBe(false);
    expect(isSessionToken('flotilla-dashboard.short')).toBe(false);
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
