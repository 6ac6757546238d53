import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { selfSignedCert } from '../../machinery/apiserver/serving-cert.js';

/** One `access` entry of a Distribution registry token (`repository:<name>:<actions>`). */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** Options for {@link RegistryTokenIssuer}. */
export interface RegistryTokenIssuerOptions {
  /** `iss` claim; the registry's `auth.token.issuer` must name the same. @defaultValue flotilla */
  issuer?: string;
  /** Signing certificate and its EC P-256 key (PEM); generated when absent. */
  signing?: { cert: string; key: string };
  /** Token lifetime. @defaultValue 300 s */
  ttlSeconds?: number;
}

const RFC4648 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += RFC4648[(value >>> (bits - 5)) & 31] ?? '';
      bits -= 5;
    }
  }
  if (bits > 0) out += RFC4648[(value << (5 - bits)) & 31] ?? '';
  return out;
}

/**
 * The libtrust key ID of a public key (DER SubjectPublicKeyInfo): base32 of the first 240 bits of
 * its SHA-256, in 4-character groups joined by `:`. docker-registry 2.8 looks up the JWT `kid`
 * header by this fingerprint among the keys of its `rootcertbundle`.
 */
export function libtrustKeyId(spkiDer: Buffer): string {
  const b32 = base32(createHash('sha256').update(spkiDer).digest().subarray(0, 30));
  return (b32.match(/.{1,4}/g) ?? []).join(':');
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/**
 * Signs Distribution registry bearer tokens (JWT, ES256) as the token spec describes: header
 * `kid` = libtrust fingerprint of the signing key, claims iss/sub/aud/exp/nbf/iat/jti/access. The
 * registry trusts them through `auth.token.rootcertbundle` = {@link certificate}.
 */
export class RegistryTokenIssuer {
  readonly issuer: string;
  /** PEM of the signing certificate: the registries' root certificate bundle. */
  readonly certificate: string;
  private readonly key: ReturnType<typeof createPrivateKey>;
  private readonly kid: string;
  private readonly ttl: number;

  constructor(opts: RegistryTokenIssuerOptions = {}) {
    const signing = opts.signing ?? selfSignedCert([], ['flotilla-registry-token']);
    this.issuer = opts.issuer ?? 'flotilla';
    this.certificate = signing.cert;
    this.key = createPrivateKey(signing.key);
    this.ttl = opts.ttlSeconds ?? 300;
    const spki = new X509Certificate(signing.cert).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    this.kid = libtrustKeyId(spki);
  }

  /** A token for `subject` on `service` (the registry's `auth.token.service`) with `access`. */
  issue(
    subject: string,
    service: string,
    access: TokenAccess[],
  ): { token: string; expiresIn: number } {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', kid: this.kid };
    const claims = {
      iss: this.issuer,
      sub: subject,
      aud: service,
      exp: now + this.ttl,
      // a little back-dated: the registry and this process read the same clock, but tokens are
      // checked at second granularity
      nbf: now - 5,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    // JOSE wants the raw r||s signature, not DER
    const sig = sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return { token: `${input}.${b64url(sig)}`, expiresIn: this.ttl };
  }
}
