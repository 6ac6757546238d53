/** The kubelet's half of TLS bootstrap: its private key and the certificate requests it sends. */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new ECDSA P-256 private key (PKCS#8 PEM). */
export function newPrivateKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Subject and names of a certificate request. */
export interface CertificateRequestSubject {
  commonName: string;
  organizations: readonly string[];
  /** subjectAltName IPs / DNS names (serving certificates). */
  ipSans?: readonly string[];
  dnsSans?: readonly string[];
}

/** Kubernetes-identity characters only, so nothing can add an RDN through `-subj`. */
const SAFE = /^[A-Za-z0-9:._@-]{1,64}$/;

function safe(v: string): string {
  if (!SAFE.test(v)) throw new Error(`"${v}" cannot be a certificate subject value`);
  return v;
}

/** A PEM certificate request signed by `keyPem` (made with the `openssl` CLI). */
export function createCsrPem(keyPem: string, s: CertificateRequestSubject): string {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-csr-'));
  try {
    writeFileSync(join(dir, 'key.pem'), keyPem, { mode: 0o600 });
    const subj = [`/CN=${safe(s.commonName)}`, ...s.organizations.map((o) => `/O=${safe(o)}`)];
    const san = [
      ...(s.ipSans ?? []).map((ip) => {
        if (isIP(ip) === 0) throw new Error(`"${ip}" is not an IP address`);
        return `IP:${ip}`;
      }),
      ...(s.dnsSans ?? []).map((d) => `DNS:${safe(d)}`),
    ];
    execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-key',
        join(dir, 'key.pem'),
        '-subj',
        subj.join(''),
        ...(san.length > 0 ? ['-addext', `subjectAltName=${san.join(',')}`] : []),
        '-out',
        join(dir, 'req.csr'),
      ],
      { stdio: 'ignore' },
    );
    return readFileSync(join(dir, 'req.csr'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
