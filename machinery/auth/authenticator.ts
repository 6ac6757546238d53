import type { IncomingHttpHeaders } from 'node:http';
import type { PeerCertificate } from 'node:tls';
import type { UserInfo } from './user-info.js';

/** What an authenticator sees of a request. */
export interface AuthenticationRequest {
  readonly headers: IncomingHttpHeaders;
  /** The verified client certificate of a TLS connection, when the client sent one. */
  readonly peerCertificate: PeerCertificate | undefined;
  /** The client's address, for per-client rate limiting of failed logins. */
  readonly remoteAddress: string;
}

/**
 * Establishes who sent a request. Resolves to the user, or to `undefined` when the request carries
 * no credentials this authenticator understands (the next one in a union is asked). Throws
 * UnauthorizedError when it understands the credentials but they are invalid.
 */
export interface Authenticator {
  authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined>;
}

/** Asks each authenticator in turn; the first that recognises the credentials decides. */
export class UnionAuthenticator implements Authenticator {
  private readonly authenticators: readonly Authenticator[];

  constructor(authenticators: readonly Authenticator[]) {
    this.authenticators = authenticators;
  }

  async authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined> {
    for (const a of this.authenticators) {
      const user = await a.authenticate(req);
      if (user !== undefined) return user;
    }
    return undefined;
  }
}
