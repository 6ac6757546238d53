/**
 * A small PKI for etcd client TLS in the local set-up and tests: a CA, etcd's serving certificate
 * (127.0.0.1, localhost) and one client certificate for the API servers, made with the `openssl`
 * CLI like federation/machinery/apiserver/serving-cert.ts. With `--client-cert-auth` etcd then
 * refuses every client that does not present a certificate from this CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files written by {@link makeEtcdPki} and their contents. */
export interface EtcdPki {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** What an etcd client needs (EtcdStorageOptions.tls). */
  client: { ca: string; cert: string; key: string };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

function signed(dir: string, name: string, cn: string, ext: string): void {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '365',
    '-out',
    join(dir, `${name}.crt`),
    '-extfile',
    extFile,
  ]);
}

/** Creates the CA and certificates in `dir` (mode 0700). */
export function makeEtcdPki(dir: string): EtcdPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    join(dir, 'ca.crt'),
    '-days',
    '365',
    '-subj',
    '/CN=flotilla-etcd-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  signed(
    dir,
    'server',
    'flotilla-etcd',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  signed(dir, 'client', 'flotilla-apiserver', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    caFile: join(dir, 'ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    client: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') },
  };
}
