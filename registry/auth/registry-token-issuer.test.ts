import { verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { libtrustKeyId, RegistryTokenIssuer } from './registry-token-issuer.js';

describe('registry token issuer', () => {
  it('signs ES256 JWTs with the libtrust kid of the certificate in the root bundle', () => {
    const issuer = new RegistryTokenIssuer({ issuer: 'flotilla', ttlSeconds: 60 });
    const access = [{ type: 'repository', name: 'app/web', actions: ['pull'] }];
    const { token } = issuer.issue('alice', 'prod', access);
    const [h = '', c = '', sig = ''] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as {
      alg: string;
      kid: string;
    };
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
    const key = new X509Certificate(issuer.certificate).publicKey;
    expect(header.alg).toBe('ES256');
    expect(header.kid).toBe(libtrustKeyId(key.export({ type: 'spki', format: 'der' })));
    // 12 groups of 4 base32 characters: the fingerprint docker-registry computes for the bundle
    expect(header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(claims).toMatchObject({ iss: 'flotilla', sub: 'alice', aud: 'prod', access });
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${c}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(sig, 'base64url'),
    );
    expect(ok).toBe(true);
  });
});
