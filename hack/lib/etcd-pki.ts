/**
 * A small PKI for etcd client TLS in the local set-up and tests: a CA, etcd's serving certificate
 * (127.0.0.1, localhost) and one client certificate for the API servers, issued by the same
 * {@link CertificateAuthority} the API servers use. With `--client-cert-auth` etcd then refuses
 * every client that does not present a certificate from this CA.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';

/** PEM files written by {@link makeEtcdPki} and their contents. */
export interface EtcdPki {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** What an etcd client needs (EtcdStorageOptions.tls). */
  client: { ca: string; cert: string; key: string };
}

/** Creates the CA and certificates in `dir` (mode 0700; keys 0600). */
export function makeEtcdPki(dir: string): EtcdPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = CertificateAuthority.create('flotilla-etcd-ca');
  const server = ca.servingCert(['127.0.0.1'], ['localhost'], { alsoClientAuth: true });
  const client = ca.clientCert('flotilla-apiserver');
  const pki: EtcdPki = {
    caFile: join(dir, 'ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    client: { ca: ca.cert, cert: client.cert, key: client.key },
  };
  writeFileSync(pki.caFile, ca.cert);
  writeFileSync(pki.serverCertFile, server.cert);
  writeFileSync(pki.serverKeyFile, server.key, { mode: 0o600 });
  return pki;
}
