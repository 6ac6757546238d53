import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
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

/** What a certificate signing request asks for, as {@link inspectCsr} reads it. */
export interface CsrInfo {
  /** The one CN of the subject ('' when there is none). */
  commonName: string;
  /** Every O of the subject, in order. */
  organizations: string[];
  /** Subject attributes other than CN and O (`OU=x`, ...): signers refuse them. */
  otherSubject: string[];
  /** Requested subjectAltName IP addresses and DNS names. */
  ipSans: string[];
  dnsSans: string[];
}

/**
 * Reads a PEM certificate request with the `openssl` CLI after checking its self-signature (proof
 * the requester holds the key). Values are printed RFC 2253-escaped, so a name holding syntax
 * characters never matches {@link SUBJECT_VALUE} and is refused by {@link CertificateAuthority.signCsr}.
 * @throws BadRequestError when it is not a well-signed PEM CSR
 */
export function inspectCsr(csrPem: string): CsrInfo {
  return inTempDir((dir) => {
    const file = join(dir, 'req.csr');
    writeFileSync(file, csrPem);
    const run = (args: string[]): string => {
      try {
        return execFileSync('openssl', ['req', '-in', file, '-noout', ...args], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch (err) {
        throw new BadRequestError('not a valid, self-signed PEM certificate request', {
          cause: err,
        });
      }
    };
    run(['-verify']);
    const subject = run(['-subject', '-nameopt', 'sep_multiline,sname,esc_ctrl,esc_2253'])
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l !== '');
    const info: CsrInfo = {
      commonName: '',
      organizations: [],
      otherSubject: [],
      ipSans: [],
      dnsSans: [],
    };
    let cns = 0;
    for (const rdn of subject) {
      const eq = rdn.indexOf('=');
      const [type, value] = [rdn.slice(0, eq), rdn.slice(eq + 1)];
      if (type === 'CN') {
        cns++;
        info.commonName = value;
      } else if (type === 'O') info.organizations.push(value);
      else info.otherSubject.push(rdn);
    }
    if (cns > 1) info.otherSubject.push('CN (repeated)');
    const text = run(['-text']).split('\n');
    const at = text.findIndex((l) => l.includes('X509v3 Subject Alternative Name'));
    for (const name of at >= 0 ? (text[at + 1] ?? '').split(',') : []) {
      const n = name.trim();
      if (n.startsWith('IP Address:')) info.ipSans.push(n.slice('IP Address:'.length));
      else if (n.startsWith('DNS:')) info.dnsSans.push(n.slice('DNS:'.length));
      else if (n !== '') info.otherSubject.push(`SAN ${n}`);
    }
    return info;
  });
}

/** Options for {@link CertificateAuthority.signCsr}. */
export interface SignCsrOptions {
  /** `client`: extendedKeyUsage clientAuth; `server`: serverAuth with `ipSans`/`dnsSans`. */
  usages: 'client' | 'server';
  /** Validity in days (at least 1). */
  days: number;
  /** subjectAltName IPs / DNS names of a serving certificate (those of the CSR are ignored). */
  ipSans?: readonly string[];
  dnsSans?: readonly string[];
  /** What the subject must look like; the CSR is refused otherwise. */
  subject: { commonName: RegExp; organizations: readonly string[] };
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

  /**
   * Signs `<dir>/leaf.csr` with this CA into `<dir>/leaf.crt` (new random serial, the given
   * extensions, `days` of validity); the CA key is written to `dir` (0600) only for openssl.
   */
  private signCsrFile(dir: string, extensions: readonly string[], days: number): void {
    writeFileSync(join(dir, 'ca.crt'), this.cert);
    writeFileSync(join(dir, 'ca.key'), this.key, { mode: 0o600 });
    writeFileSync(join(dir, 'ext.cnf'), extensions.join('\n') + '\n');
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
  }

  /** Issues a leaf certificate with the given subject and extensions. */
  private issue(subject: string, extensions: string[], days: number): ClientCert {
    return inTempDir((dir) => {
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
      this.signCsrFile(dir, extensions, days);
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

  /**
   * Signs a certificate request (PEM) with this CA, keeping the subject of the request, which
   * must be one CN matching `opts.subject.commonName` and exactly the O values
   * `opts.subject.organizations` (each a {@link SUBJECT_VALUE}), nothing else. Extensions come
   * from `opts`, never from the request. Returns the certificate (PEM, leaf only).
   * @throws BadRequestError when the request is malformed or its subject is not the expected one
   */
  signCsr(csrPem: string, opts: SignCsrOptions): string {
    const info = inspectCsr(csrPem);
    const want = [...opts.subject.organizations].sort();
    const got = [...info.organizations].sort();
    if (
      info.otherSubject.length > 0 ||
      !SUBJECT_VALUE.test(info.commonName) ||
      !opts.subject.commonName.test(info.commonName) ||
      !got.every((o) => SUBJECT_VALUE.test(o)) ||
      JSON.stringify(got) !== JSON.stringify(want)
    ) {
      throw new BadRequestError(
        `certificate request subject CN=${info.commonName} O=${info.organizations.join('+')}${info.otherSubject.length > 0 ? ` (+${info.otherSubject.join(', ')})` : ''} is not the expected one`,
      );
    }
    const san = [
      ...(opts.ipSans ?? []).map((ip) => {
        if (isIP(ip) === 0) throw new BadRequestError(`"${ip}" is not an IP address`);
        return `IP:${ip}`;
      }),
      ...(opts.dnsSans ?? []).map((d) => `DNS:${subjectValue(d)}`),
    ];
    if (opts.usages === 'server' && san.length === 0) {
      throw new BadRequestError('a serving certificate needs at least one IP or DNS name');
    }
    if (!(opts.days >= 1)) throw new BadRequestError('days must be at least 1');
    const ext = [
      'basicConstraints=critical,CA:FALSE',
      `keyUsage=critical,digitalSignature${opts.usages === 'server' ? ',keyEncipherment' : ''}`,
      `extendedKeyUsage=${opts.usages === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(opts.usages === 'server' ? [`subjectAltName=${san.join(',')}`] : []),
    ];
    return inTempDir((dir) => {
      writeFileSync(join(dir, 'leaf.csr'), csrPem);
      this.signCsrFile(dir, ext, Math.floor(opts.days));
      return readFileSync(join(dir, 'leaf.crt'), 'utf8');
    });
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
