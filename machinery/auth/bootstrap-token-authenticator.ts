import { createHash, timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../meta.js';
import type { AuthenticationRequest, Authenticator } from './authenticator.js';
import { bearerToken } from './static-token-authenticator.js';
import { withAuthenticatedGroup, type UserInfo } from './user-info.js';

/** Secret type of bootstrap tokens. */
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
/** Namespace the bootstrap-token Secrets live in. */
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
/** Group of every bootstrap token; auth-extra-groups must extend it (`system:bootstrappers:...`). */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

/** `<token-id>.<token-secret>`, as kubeadm generates and validates them. */
const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

function field(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, unknown> | undefined;
  const v = data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/** Compares two strings in constant time (their SHA-256 digests have equal length). */
function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** Options for {@link BootstrapTokenAuthenticator}. */
export interface BootstrapTokenAuthenticatorOptions {
  lookup: (namespace: string, name: string) => Promise<KubeObject | undefined>;
  now?: () => Date;
}

/**
 * Bootstrap tokens (kube-apiserver `--enable-bootstrap-token-auth`): a Secret
 * `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token` with `token-id`,
 * `token-secret`, optional RFC 3339 `expiration` and `usage-bootstrap-authentication: "true"`
 * authenticates `<id>.<secret>` as `system:bootstrap:<id>` in `system:bootstrappers` (+ the
 * Secret's `auth-extra-groups`, each of which must start with `system:bootstrappers:`).
 * A token in the format whose Secret does not match is refused with 401 rather than passed on:
 * no other authenticator issues tokens of this shape.
 */
export class BootstrapTokenAuthenticator implements Authenticator {
  private readonly opts: BootstrapTokenAuthenticatorOptions;

  constructor(opts: BootstrapTokenAuthenticatorOptions) {
    this.opts = opts;
  }

  async authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    const m = token === undefined ? null : BOOTSTRAP_TOKEN.exec(token);
    if (!m) return undefined;
    const [, id = '', secretPart = ''] = m;
    const secret = await this.opts.lookup(BOOTSTRAP_TOKEN_NAMESPACE, `bootstrap-token-${id}`);
    if (secret === undefined || !this.valid(secret, id, secretPart)) return undefined;
    const extra = (field(secret, 'auth-extra-groups') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g.startsWith(`${BOOTSTRAPPERS_GROUP}:`));
    return withAuthenticatedGroup({
      name: `system:bootstrap:${id}`,
      groups: [BOOTSTRAPPERS_GROUP, ...extra],
    });
  }

  private valid(secret: KubeObject, id: string, secretPart: string): boolean {
    if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return false;
    if (secret.metadata.deletionTimestamp !== undefined) return false;
    if (field(secret, 'token-id') !== id) return false;
    // compare before looking at usage and expiry so the time taken does not depend on them
    const matches = sameSecret(field(secret, 'token-secret') ?? '', secretPart);
    if (field(secret, 'usage-bootstrap-authentication') !== 'true') return false;
    const expiration = field(secret, 'expiration');
    if (expiration !== undefined) {
      const t = Date.parse(expiration);
      // an unparseable expiration must not mean "never expires"
      if (Number.isNaN(t) || t <= (this.opts.now?.() ?? new Date()).getTime()) return false;
    }
    return matches;
  }
}
