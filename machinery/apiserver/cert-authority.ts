import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestError } from '../errors/index.js';
import type { ServingCert } from './serving-cert.js';

/** A client certificate and its key (PEM), e.g. for kubeconfig client-certificate-data. */
export interface ClientCert {
  cert: string;
  key: string;
}

/**
 * Subject values are passed to `openssl -subj`, where `/`, `+`, `=` and `\` are syntax; user and
 * group names are restricted to the characters Kubernetes identities actually use instead of
 * being escaped, so no name can smuggle in an extra RDN (e.g. a second `O=system:masters`).
 */
const SUBJECT_VALUE = /^[A-Za-z0-9:._@-]{1,64}$/;

function subjectValue(v: string): string {
  if (!SUBJECT_VALUE.test(v)) {
    throw new BadRequestError(
      `"${v}" cannot be a certificate subject value (use [A-Za-z0-9:._@-])`,
    );
  }
  return v;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Runs `fn` with a private temporary folder, removed afterwards (it holds private keys). */
function inTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-ca-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/**
 * A cluster's certificate authority (ECDSA P-256, made and used with the `openssl` CLI like
 * {@link selfSignedCert}). It signs the API server's serving certificate and the client
 * certificates the X509Authenticator accepts (CN → user, O → groups), so one
 * `certificate-authority-data` lets kubectl verify the server and the server verify kubectl.
 */
export class CertificateAuthority {
  /** CA certificate (PEM): the server's client CA and the clients' trust anchor. */
  readonly cert: string;
  private readonly key: string;

  private constructor(cert: string, key: string) {
    this.cert = cert;
    this.key = key;
  }

  /** Creates a new CA valid for 10 years. */
  static create(commonName: string): CertificateAuthority {
    return inTempDir((dir) => {
      openssl([
        'req',
        '-x509',
        ...EC_KEY,
        '-keyout',
        join(dir, 'ca.key'),
        '-out',
        join(dir, 'ca.crt'),
        '-days',
        '3650',
        '-subj',
        `/CN=${subjectValue(commonName)}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
      ]);
      return new CertificateAuthority(
        readFileSync(join(dir, 'ca.crt'), 'utf8'),
        readFileSync(join(dir, 'ca.key'), 'utf8'),
      );
    });
  }

  /** A CA from its certificate and private key (PEM), e.g. read from a cluster's PKI folder. */
  static fromPem(cert: string, key: string): CertificateAuthority {
    return new CertificateAuthority(cert, key);
  }

  /** The CA's private key (PEM), to store in the cluster's PKI folder (mode 0600). */
  privateKeyPem(): string {
    return this.key;
  }

  /** Issues a leaf certificate with the given subject and extensions. */
  private issue(subject: string, extensions: string[], days: number): ClientCert {
    return inTempDir((dir) => {
      writeFileSync(join(dir, 'ca.crt'), this.cert);
      writeFileSync(join(dir, 'ca.key'), this.key, { mode: 0o600 });
      writeFileSync(join(dir, 'ext.cnf'), extensions.join('\n') + '\n');
      openssl([
        'req',
        '-new',
        ...EC_KEY,
        '-keyout',
        join(dir, 'leaf.key'),
        '-out',
        join(dir, 'leaf.csr'),
        '-subj',
        subject,
      ]);
      openssl([
        'x509',
        '-req',
        '-in',
        join(dir, 'leaf.csr'),
        '-CA',
        join(dir, 'ca.crt'),
        '-CAkey',
        join(dir, 'ca.key'),
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-days',
        String(days),
        '-extfile',
        join(dir, 'ext.cnf'),
        '-out',
        join(dir, 'leaf.crt'),
      ]);
      return {
        cert: readFileSync(join(dir, 'leaf.crt'), 'utf8'),
        key: readFileSync(join(dir, 'leaf.key'), 'utf8'),
      };
    });
  }

  /**
   * A serving certificate for the given IPs and DNS names (`alsoClientAuth`: usable as a client
   * certificate too). `cert` is the chain (leaf, then this
   * CA), so it can also be handed to clients as their CA bundle, as the self-signed certificate
   * could before.
   */
  servingCert(
    ips: string[] = ['127.0.0.1'],
    dnsNames: string[] = ['localhost'],
    opts: { alsoClientAuth?: boolean } = {},
  ): ServingCert {
    const san = [...ips.map((ip) => `IP:${ip}`), ...dnsNames.map((d) => `DNS:${d}`)].join(',');
    const leaf = this.issue(
      '/CN=flotilla-apiserver',
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        // etcd's gRPC gateway dials its own listener with the serving certificate
        `extendedKeyUsage=serverAuth${opts.alsoClientAuth ? ',clientAuth' : ''}`,
        `subjectAltName=${san}`,
      ],
      365,
    );
    return { cert: leaf.cert + this.cert, key: leaf.key };
  }

  /** A client certificate for `user` (CN) in `groups` (one O each). @defaultValue 365 days */
  clientCert(user: string, groups: readonly string[] = [], days = 365): ClientCert {
    const subject = [`/CN=${subjectValue(user)}`, ...groups.map((g) => `/O=${subjectValue(g)}`)];
    return this.issue(
      subject.join(''),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
      ],
      days,
    );
  }
}
