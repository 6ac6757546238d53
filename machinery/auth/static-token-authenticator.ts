import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthenticationRequest, Authenticator } from './authenticator.js';
import { withAuthenticatedGroup, type UserInfo } from './user-info.js';

/** One line of a static token file: `token,user,uid,"group1,group2"`. */
export interface StaticToken {
  readonly token: string;
  readonly user: UserInfo;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The bearer token of a request, or undefined when it sends none. */
export function bearerToken(req: AuthenticationRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m?.[1];
}

/**
 * Static bearer tokens (kube-apiserver `--token-auth-file`). Tokens are kept in a Map keyed by
 * their SHA-256 digest — never looked up as keys of a plain object, where `constructor` or
 * `__proto__` would match inherited properties — and the digests are compared in constant time.
 */
export class StaticTokenAuthenticator implements Authenticator {
  private readonly byDigest = new Map<string, { digest: Buffer; user: UserInfo }>();

  constructor(tokens: Iterable<StaticToken>) {
    for (const t of tokens) {
      if (t.token === '') continue;
      const d = digest(t.token);
      this.byDigest.set(d.toString('hex'), { digest: d, user: withAuthenticatedGroup(t.user) });
    }
  }

  /** From the legacy `token → user name` record (no groups). */
  static fromRecord(tokens: Readonly<Record<string, string>>): StaticTokenAuthenticator {
    return new StaticTokenAuthenticator(
      Object.entries(tokens).map(([token, name]) => ({ token, user: { name, groups: [] } })),
    );
  }

  authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return Promise.resolve(undefined);
    const d = digest(token);
    const hit = this.byDigest.get(d.toString('hex'));
    if (hit === undefined || !timingSafeEqual(hit.digest, d)) {
      // a bearer token nobody issued: other authenticators (service-account, bootstrap) get a
      // chance through the union; the server turns "nobody recognised it" into 401.
      return Promise.resolve(undefined);
    }
    return Promise.resolve(hit.user);
  }
}
