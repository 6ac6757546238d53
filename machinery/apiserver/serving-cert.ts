import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TLS serving certificate and key (PEM). The certificate is its own CA. */
export interface ServingCert {
  cert: string;
  key: string;
}

/**
 * Generates a self-signed serving certificate for the given IPs and DNS names with the `openssl`
 * CLI (ECDSA P-256, 1 year). Clients trust it through kubeconfig `certificate-authority-data`.
 */
export function selfSignedCert(
  ips: string[] = ['127.0.0.1'],
  dnsNames: string[] = ['localhost'],
): ServingCert {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-cert-'));
  try {
    const san = [...ips.map((ip) => `IP:${ip}`), ...dnsNames.map((d) => `DNS:${d}`)].join(',');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '365',
        '-subj',
        '/CN=flotilla-apiserver',
        '-addext',
        `subjectAltName=${san}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyCertSign',
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
