import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { KubeObject } from '../meta.js';
import { UnauthorizedError } from '../errors/index.js';
import type { AuthenticationRequest, Authenticator } from './authenticator.js';
import { bearerToken } from './static-token-authenticator.js';
import { withAuthenticatedGroup, type UserInfo } from './user-info.js';

/** The object kinds a token can be bound to, besides its ServiceAccount. */
export type BoundObjectKind = 'Pod' | 'Secret';

/** Reads one object of the cluster; undefined when it does not exist. */
export type ObjectLookup = (
  kind: 'ServiceAccount' | BoundObjectKind,
  namespace: string,
  name: string,
) => Promise<KubeObject | undefined>;

/** The private `kubernetes.io` claim of a bound service-account token. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
}

/** Claims of a bound service-account token (as kube-apiserver issues them). */
export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

/** Prefix of service-account user names: `system:serviceaccount:<ns>:<name>`. */
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
/** Group of every service account. */
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** The user a service account authenticates as. */
export function serviceAccountUser(namespace: string, name: string, uid?: string): UserInfo {
  return withAuthenticatedGroup({
    name: `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`,
    ...(uid !== undefined ? { uid } : {}),
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`],
  });
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const HEADER = { alg: 'ES256', typ: 'JWT' };

/**
 * Signs and verifies service-account JWTs with the cluster's own ECDSA P-256 key (ES256). The
 * key lives as long as this object: a restarted process issues new tokens, the old ones stop
 * verifying, as with a rotated `--service-account-signing-key-file`.
 */
export class ServiceAccountTokenSigner {
  /** `iss` of every token; also the default audience the API server accepts. */
  readonly issuer: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  /**
   * @param privateKeyPem the P-256 signing key (PKCS#8 PEM), shared by every API server of a
   * cluster so that each accepts the tokens the others issue; a new key when absent.
   */
  constructor(issuer: string, privateKeyPem?: string) {
    this.issuer = issuer;
    if (privateKeyPem === undefined) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      this.privateKey = pair.privateKey;
      this.publicKey = pair.publicKey;
    } else {
      this.privateKey = createPrivateKey(privateKeyPem);
      this.publicKey = createPublicKey(this.privateKey);
    }
  }

  /** The signing key (PKCS#8 PEM), to store in the cluster's PKI folder (mode 0600). */
  privateKeyPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** A signed compact JWT for the claims (issuer and jti are filled in). */
  sign(claims: Omit<ServiceAccountClaims, 'iss' | 'jti'>): string {
    const payload = { ...claims, iss: this.issuer, jti: randomUUID() };
    const input = `${b64url(JSON.stringify(HEADER))}.${b64url(JSON.stringify(payload))}`;
    const sig = sign('sha256', Buffer.from(input), {
      key: this.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${b64url(sig)}`;
  }

  /**
   * The claims of a token this signer issued, or undefined when the token is not a JWT of this
   * issuer (another authenticator may know it). Only the signature is checked here; time,
   * audience and the bound objects are the authenticator's business.
   * @throws UnauthorizedError when the token claims this issuer but its signature is wrong.
   */
  claims(token: string): ServiceAccountClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h = '', p = '', s = ''] = parts;
    let header: unknown;
    let payload: unknown;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isRecord(payload) || payload.iss !== this.issuer) return undefined;
    // the algorithm is fixed, never taken from the token (no `none`, no HS256 with the public key)
    if (!isRecord(header) || header.alg !== 'ES256') throw new UnauthorizedError('Unauthorized');
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: this.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s, 'base64url'),
    );
    if (!ok || !wellFormed(payload)) throw new UnauthorizedError('Unauthorized');
    return payload;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wellFormed(
  p: Record<string, unknown>,
): p is Record<string, unknown> & ServiceAccountClaims {
  const k = p['kubernetes.io'];
  return (
    typeof p.exp === 'number' &&
    typeof p.nbf === 'number' &&
    Array.isArray(p.aud) &&
    isRecord(k) &&
    typeof k.namespace === 'string' &&
    isRecord(k.serviceaccount) &&
    typeof k.serviceaccount.name === 'string' &&
    typeof k.serviceaccount.uid === 'string'
  );
}

/** Options for {@link ServiceAccountTokenAuthenticator}. */
export interface ServiceAccountTokenAuthenticatorOptions {
  signer: ServiceAccountTokenSigner;
  lookup: ObjectLookup;
  /** Audiences a token must name one of to reach this API. @defaultValue [signer.issuer] */
  audiences?: readonly string[];
  now?: () => Date;
}

/**
 * Bound service-account tokens (TokenRequest): valid while unexpired, meant for this API (an
 * accepted audience) and while the ServiceAccount — and the Pod or Secret it is bound to — still
 * exists with the uid the token names, so deleting the object revokes the token at once.
 */
export class ServiceAccountTokenAuthenticator implements Authenticator {
  private readonly opts: ServiceAccountTokenAuthenticatorOptions;

  constructor(opts: ServiceAccountTokenAuthenticatorOptions) {
    this.opts = opts;
  }

  async authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    const c = this.opts.signer.claims(token);
    if (c === undefined) return undefined;
    const now = Math.floor((this.opts.now?.() ?? new Date()).getTime() / 1000);
    // nbf tolerates a minute of clock skew between issuer and server (one process here, but the
    // same check serves a token issued by another replica)
    if (c.exp <= now || c.nbf > now + 60) {
      throw new UnauthorizedError('Unauthorized: token expired');
    }
    const accepted = this.opts.audiences ?? [this.opts.signer.issuer];
    if (!c.aud.some((a) => accepted.includes(a))) {
      throw new UnauthorizedError('Unauthorized: token audience not accepted');
    }
    const k = c['kubernetes.io'];
    await this.requireObject('ServiceAccount', k.namespace, k.serviceaccount);
    if (k.pod) await this.requireObject('Pod', k.namespace, k.pod);
    if (k.secret) await this.requireObject('Secret', k.namespace, k.secret);
    const user = serviceAccountUser(k.namespace, k.serviceaccount.name, k.serviceaccount.uid);
    return k.pod
      ? { ...user, extra: { 'authentication.kubernetes.io/pod-name': [k.pod.name] } }
      : user;
  }

  /** @throws UnauthorizedError unless the object exists, with this uid, and is not being deleted. */
  private async requireObject(
    kind: 'ServiceAccount' | BoundObjectKind,
    namespace: string,
    ref: { name: string; uid: string },
  ): Promise<void> {
    const obj = await this.opts.lookup(kind, namespace, ref.name);
    if (
      obj === undefined ||
      obj.metadata.uid !== ref.uid ||
      obj.metadata.deletionTimestamp !== undefined
    ) {
      throw new UnauthorizedError(
        `Unauthorized: ${kind} ${namespace}/${ref.name} no longer exists`,
      );
    }
  }
}
