import type { AuthenticationRequest, Authenticator } from '../../machinery/auth/authenticator.js';
import { withAuthenticatedGroup, type UserInfo } from '../../machinery/auth/user-info.js';
import { RestClient, type RestClientOptions } from '../../machinery/client/rest-client.js';

/** How to reach the federation API server (no credentials: those are the presented tokens). */
export type FederationEndpoint = Pick<
  RestClientOptions,
  'server' | 'caData' | 'insecureSkipTLSVerify'
>;

const SELF_SUBJECT_REVIEWS = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string; uid?: string; groups?: string[] } };
}

/**
 * Recognises Flotilla API tokens (static, service-account, bootstrap) presented as bearer tokens
 * by asking the federation who holds them (a SelfSubjectReview made with the token), so a process
 * outside the federation API server authenticates exactly as the server does. Tokens with a colon
 * or whitespace are never sent: no Flotilla token has them, and the token server tries every split
 * of `user:password`, whose wrong splits must not count as failed logins at the federation (it
 * rate-limits failures per client address).
 */
export class FederationAuthenticator implements Authenticator {
  private readonly endpoint: FederationEndpoint;

  constructor(endpoint: FederationEndpoint) {
    this.endpoint = endpoint;
  }

  async authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined> {
    const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '');
    const token = m?.[1];
    if (token === undefined || token.includes(':')) return undefined;
    const client = new RestClient({ ...this.endpoint, token, timeoutMs: 10_000 });
    try {
      const res = await client.raw('POST', SELF_SUBJECT_REVIEWS, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
      });
      // 401: not a token of the federation; anything else is no answer either
      if (res.status !== 201 && res.status !== 200) return undefined;
      const info = (JSON.parse(res.body) as SelfSubjectReview).status?.userInfo;
      if (!info?.username) return undefined;
      return withAuthenticatedGroup({
        name: info.username,
        groups: info.groups ?? [],
        ...(info.uid !== undefined ? { uid: info.uid } : {}),
      });
    } finally {
      client.close();
    }
  }
}
