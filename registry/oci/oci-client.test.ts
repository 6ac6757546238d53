import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPermanentCopyError } from '../errors/classify-copy-error.js';
import { DigestMismatchError } from '../errors/digest-mismatch-error.js';
import { RegistryHttpError } from '../errors/registry-http-error.js';
import { OciClient, sha256 } from './oci-client.js';

const REALM = 'http://auth.test/token';

/**
 * An in-memory token-auth registry behind a fake `fetch`: every `/v2/<repo>/...` request needs a
 * bearer token granting that repository (pull for reads, push for writes); tokens come from the
 * realm for `user:pw` and can be revoked to play an expiry.
 */
class FakeTokenRegistry {
  readonly blobs = new Map<string, Buffer>();
  readonly valid = new Map<string, Set<string>>();
  readonly log: string[] = [];
  issued = 0;
  /** Called before each registry request is answered (tests revoke tokens here). */
  before: (method: string, path: string) => void = () => undefined;

  readonly fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const u = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers);
    const auth = headers.get('authorization') ?? '';
    const method = init.method ?? 'GET';
    if (u.origin === 'http://auth.test') {
      if (auth !== `Basic ${Buffer.from('user:pw').toString('base64')}`) {
        return new Response('no', { status: 401 });
      }
      const token = `t${String(++this.issued)}`;
      this.valid.set(token, new Set(u.searchParams.getAll('scope')));
      return Response.json({ token });
    }
    this.log.push(`${method} ${u.pathname}`);
    this.before(method, u.pathname);
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.*)$/.exec(u.pathname);
    if (!m) return new Response(null, { status: 200 });
    const [, repo = '', , rest = ''] = m;
    const action = method === 'GET' || method === 'HEAD' ? 'pull' : 'push';
    const scopes = this.valid.get(auth.replace(/^Bearer /, '')) ?? new Set<string>();
    const granted = [...scopes].some(
      (s) => s.startsWith(`repository:${repo}:`) && s.split(':')[2]?.split(',').includes(action),
    );
    if (!granted) {
      return new Response('{"errors":[{"code":"UNAUTHORIZED"}]}', {
        status: 401,
        headers: {
          'WWW-Authenticate': `Bearer realm="${REALM}",service="reg",scope="repository:${repo}:${action === 'pull' ? 'pull' : 'pull,push'}"`,
        },
      });
    }
    if (rest.startsWith('uploads/') && method === 'POST') {
      return new Response(null, {
        status: 202,
        headers: { Location: `/v2/${repo}/blobs/uploads/u${String(this.log.length)}` },
      });
    }
    if (rest.startsWith('uploads/') && method === 'PUT') {
      const bytes = Buffer.from(await new Response(init.body).arrayBuffer());
      this.blobs.set(u.searchParams.get('digest') ?? '', bytes);
      return new Response(null, { status: 201 });
    }
    const blob = this.blobs.get(rest);
    if (!blob) return new Response(null, { status: 404 });
    return new Response(method === 'HEAD' ? null : blob, {
      status: 200,
      headers: { 'Content-Length': String(blob.length) },
    });
  }) as typeof fetch;
}

describe('OciClient auth', () => {
  it('fetches a token per repository scope when a later request is challenged for another repository', async () => {
    const reg = new FakeTokenRegistry();
    const bytes = randomBytes(100);
    reg.blobs.set(sha256(bytes), bytes);
    const c = new OciClient({
      url: 'http://reg.test',
      username: 'user',
      password: 'pw',
      fetch: reg.fetch,
    });
    expect(await c.hasBlob('team/a', sha256(bytes))).toBe(true);
    expect(await c.hasBlob('team/b', sha256(bytes))).toBe(true);
    expect(await c.hasBlob('team/a', sha256(bytes))).toBe(true);
    expect(reg.issued).toBe(2);
  });

  it('answers an expired token with a fresh one and a push challenge with a pull,push token', async () => {
    const reg = new FakeTokenRegistry();
    const c = new OciClient({
      url: 'http://reg.test',
      username: 'user',
      password: 'pw',
      fetch: reg.fetch,
    });
    const bytes = randomBytes(100);
    expect(await c.hasBlob('app', sha256(bytes))).toBe(false);
    reg.valid.clear();
    await c.uploadBlob('app', sha256(bytes), bytes);
    expect(reg.blobs.get(sha256(bytes))).toEqual(bytes);
    expect(reg.issued).toBe(2);
  });

  it('restarts a streamed upload whose PUT is refused because the token expired mid-copy', async () => {
    const src = new FakeTokenRegistry();
    const dst = new FakeTokenRegistry();
    const bytes = randomBytes(64 * 1024);
    const digest = sha256(bytes);
    src.blobs.set(digest, bytes);
    let revoked = false;
    dst.before = (method, path) => {
      if (method === 'PUT' && path.includes('/uploads/') && !revoked) {
        revoked = true;
        dst.valid.clear();
      }
    };
    const s = new OciClient({
      url: 'http://src.test',
      username: 'user',
      password: 'pw',
      fetch: src.fetch,
    });
    const d = new OciClient({
      url: 'http://reg.test',
      username: 'user',
      password: 'pw',
      fetch: dst.fetch,
    });
    expect(await d.streamBlobFrom(s, 'app', digest)).toBe(bytes.length);
    expect(dst.blobs.get(digest)).toEqual(bytes);
    expect(src.log.filter((l) => l.startsWith('GET')).length).toBeGreaterThanOrEqual(2);
    expect(dst.log.filter((l) => l.startsWith('PUT')).length).toBe(2);
  });

  it('fails with the 401 when the realm refuses the credentials', async () => {
    const reg = new FakeTokenRegistry();
    const c = new OciClient({
      url: 'http://reg.test',
      username: 'user',
      password: 'wrong',
      fetch: reg.fetch,
    });
    const err: unknown = await c.getBlob('app', sha256(Buffer.from('x'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryHttpError);
    expect((err as RegistryHttpError).status).toBe(401);
  });

  it('sends a static token from the credentials as a bearer token', async () => {
    const seen: string[] = [];
    const c = new OciClient({
      url: 'http://reg.test',
      token: 'static-1',
      fetch: (_u: string | URL | Request, init: RequestInit = {}) => {
        seen.push(new Headers(init.headers).get('authorization') ?? '');
        return Promise.resolve(new Response(null, { status: 404 }));
      },
    });
    expect(await c.headManifest('app', 'v1')).toBeUndefined();
    expect(seen).toEqual(['Bearer static-1']);
  });
});

describe('OciClient streamed blob copy', () => {
  it('fails permanently when the source serves other bytes than the digest names', async () => {
    const src = new FakeTokenRegistry();
    const dst = new FakeTokenRegistry();
    const bytes = randomBytes(256 * 1024);
    const digest = sha256(bytes);
    const corrupted = Buffer.from(bytes);
    corrupted[1000] = (corrupted[1000] ?? 0) ^ 0xff;
    src.blobs.set(digest, corrupted);
    const client = (reg: FakeTokenRegistry, url: string): OciClient =>
      new OciClient({ url, username: 'user', password: 'pw', fetch: reg.fetch });
    const err: unknown = await client(dst, 'http://reg.test')
      .streamBlobFrom(client(src, 'http://src.test'), 'app', digest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err).toMatchObject({ expected: digest, actual: sha256(corrupted) });
    expect(isPermanentCopyError(err)).toBe(true);
  });

  it('copies a blob streamed in many chunks byte for byte, counting every byte', async () => {
    const src = new FakeTokenRegistry();
    const dst = new FakeTokenRegistry();
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const digest = sha256(bytes);
    src.blobs.set(digest, bytes);
    const client = (reg: FakeTokenRegistry, url: string): OciClient =>
      new OciClient({ url, username: 'user', password: 'pw', fetch: reg.fetch });
    const n = await client(dst, 'http://reg.test').streamBlobFrom(
      client(src, 'http://src.test'),
      'app',
      digest,
    );
    expect(n).toBe(bytes.length);
    expect(dst.blobs.get(digest)?.equals(bytes)).toBe(true);
  });
});
