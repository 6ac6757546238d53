import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closeServer } from '../../machinery/net/close-server.js';
import type { Authenticator } from '../../machinery/auth/authenticator.js';
import { ANONYMOUS_USER, type UserInfo } from '../../machinery/auth/user-info.js';
import { freePort } from '../../machinery/util/free-port.js';
import { RegistryTokenIssuer, type TokenAccess } from './registry-token-issuer.js';

/** Who may act: every authenticated user, these user names, or whom a check accepts. */
export type RegistryActors =
  'authenticated' | readonly string[] | ((user: UserInfo) => Promise<boolean>);

/** Who may do what on one registry (`service`). */
export interface RegistryAccessRule {
  /** The registry's `auth.token.service`. */
  service: string;
  /** Who may pull. */
  pull: RegistryActors;
  /** Who may push (and delete). */
  push: RegistryActors;
}

/** Options for {@link RegistryTokenServer}. */
export interface RegistryTokenServerOptions {
  /**
   * Recognises `docker login` passwords: the password is presented as a bearer token, and the
   * user it names must be the login's user name (a Flotilla API token works as a password).
   */
  authenticator: Authenticator;
  rules: readonly RegistryAccessRule[];
  issuer?: RegistryTokenIssuer;
  /**
   * Serve https with this certificate chain and key (PEM): `docker login` and every client send
   * their password to the realm, which must not cross even loopback in clear text.
   */
  tls?: { cert: string; key: string };
}

async function allows(who: RegistryActors, user: UserInfo): Promise<boolean> {
  if (who === 'authenticated') return true;
  if (typeof who === 'function') return who(user).catch(() => false);
  return who.includes(user.name);
}

/** `repository:<name>:<actions>` scopes of a token request; other resource types get nothing. */
function parseScopes(scopes: string[]): TokenAccess[] {
  const out: TokenAccess[] = [];
  for (const s of scopes.flatMap((x) => x.split(' ')).filter(Boolean)) {
    const first = s.indexOf(':');
    const last = s.lastIndexOf(':');
    if (first < 0 || last <= first) continue;
    out.push({
      type: s.slice(0, first),
      name: s.slice(first + 1, last),
      actions: s.slice(last + 1).split(','),
    });
  }
  return out;
}

/**
 * The Distribution token endpoint (`GET /token?service=&scope=`) for Flotilla's registries:
 * authenticates HTTP basic credentials against Flotilla's users and grants, per repository scope,
 * only the actions the service's {@link RegistryAccessRule} allows that user. Wrong credentials
 * get 401. A request without credentials gets a token that grants nothing (subject `system:anonymous`),
 * as Docker Hub's token service answers anonymous clients: the registry then refuses the pull or
 * push itself with its own `UNAUTHORIZED` error, which docker does not retry (a 401 from the
 * realm it retried for ~50 s), and a registry with this realm still serves nobody anonymously.
 */
export class RegistryTokenServer {
  readonly issuer: RegistryTokenIssuer;
  private readonly opts: RegistryTokenServerOptions;
  private server: Server | undefined;
  /** `http(s)://127.0.0.1:<port>/token`, the registries' `auth.token.realm`. */
  realm = '';

  constructor(opts: RegistryTokenServerOptions) {
    this.opts = opts;
    this.issuer = opts.issuer ?? new RegistryTokenIssuer();
  }

  /** The user of a `Basic user:password` header, or undefined. */
  private async login(req: IncomingMessage): Promise<UserInfo | undefined> {
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return undefined;
    const raw = Buffer.from(m[1], 'base64').toString('utf8');
    // user names such as `system:promotion` contain colons, so every split is tried; the password
    // must belong to the user it is presented for: nobody logs in as someone else
    for (let i = raw.indexOf(':'); i > 0; i = raw.indexOf(':', i + 1)) {
      const user = await this.opts.authenticator
        .authenticate({
          headers: { authorization: `Bearer ${raw.slice(i + 1)}` },
          peerCertificate: undefined,
          remoteAddress: req.socket.remoteAddress ?? '',
        })
        .catch(() => undefined);
      if (user !== undefined && user.name === raw.slice(0, i)) return user;
    }
    return undefined;
  }

  /** Grants the requested scopes as far as `rule` allows `user`; other actions are dropped. */
  async grant(rule: RegistryAccessRule, user: UserInfo, scopes: string[]): Promise<TokenAccess[]> {
    const may = { pull: await allows(rule.pull, user), push: await allows(rule.push, user) };
    return parseScopes(scopes)
      .filter((a) => a.type === 'repository')
      .map((a) => ({
        ...a,
        actions: a.actions.filter((act) =>
          act === 'pull' ? may.pull : act === 'push' || act === 'delete' ? may.push : false,
        ),
      }))
      .filter((a) => a.actions.length > 0);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://token');
    if (req.method !== 'GET' || url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const service = url.searchParams.get('service') ?? '';
    const rule = this.opts.rules.find((r) => r.service === service);
    if (!rule) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ code: 'UNSUPPORTED', message: `unknown service "${service}"` }],
        }),
      );
      return;
    }
    if (req.headers.authorization === undefined) {
      const { token, expiresIn } = this.issuer.issue(ANONYMOUS_USER, service, []);
      this.sendToken(res, token, expiresIn);
      return;
    }
    const user = await this.login(req);
    if (!user) {
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'WWW-Authenticate': 'Basic realm="flotilla-registry"',
      });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
      );
      return;
    }
    const access = await this.grant(rule, user, url.searchParams.getAll('scope'));
    const { token, expiresIn } = this.issuer.issue(user.name, service, access);
    this.sendToken(res, token, expiresIn);
  }

  private sendToken(res: ServerResponse, token: string, expiresIn: number): void {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: expiresIn,
        issued_at: new Date().toISOString(),
      }),
    );
  }

  /** Listens on `host`; resolves to the realm URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const p = port || (await freePort());
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    const tls = this.opts.tls;
    this.server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(p, host, () => resolve());
    });
    this.realm = `${tls ? 'https' : 'http'}://${host}:${String(p)}/token`;
    return this.realm;
  }

  /** Stops listening; connections still open after a short grace period are closed. */
  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
