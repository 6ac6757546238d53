import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority, inspectCsr } from './cert-authority.js';

const ca = CertificateAuthority.create('csr-test-ca');
const NODE = { commonName: /^system:node:[a-z0-9.-]+$/, organizations: ['system:nodes'] };

/** A PEM CSR with any `-subj` (a fresh key, discarded). */
function csr(subj: string, san?: string): string {
  return execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      subj,
      ...(san ? ['-addext', `subjectAltName=${san}`] : []),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

describe('CertificateAuthority.signCsr', () => {
  it('reads subject and names of a request', () => {
    expect(inspectCsr(csr('/CN=system:node:n1/O=system:nodes', 'IP:127.0.0.5,DNS:n1'))).toEqual({
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
      otherSubject: [],
      ipSans: ['127.0.0.5'],
      dnsSans: ['n1'],
    });
    expect(() => inspectCsr('garbage')).toThrow(/certificate request/);
  });

  it('signs a client certificate keeping the subject, with its own extensions only', () => {
    const pem = ca.signCsr(csr('/CN=system:node:n1/O=system:nodes', 'IP:10.0.0.1'), {
      usages: 'client',
      days: 2,
      subject: NODE,
    });
    const x = new X509Certificate(pem);
    expect(x.subject.split('\n')).toEqual(['CN=system:node:n1', 'O=system:nodes']);
    expect(x.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    // the SAN the request asked for is not copied
    expect(x.subjectAltName).toBeUndefined();
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it.each([
    ['a different CN', '/CN=admin/O=system:nodes'],
    ['system:masters', '/CN=system:node:n1/O=system:masters'],
    ['an extra group', '/CN=system:node:n1/O=system:nodes/O=system:masters'],
    ['an extra attribute', '/CN=system:node:n1/O=system:nodes/OU=x'],
    ['an escaped RDN in the CN', '/CN=system:node:n1\\,O=system:masters/O=system:nodes'],
    ['two CNs', '/CN=system:node:n1/CN=system:node:n2/O=system:nodes'],
  ])('refuses %s', (_why, subj) => {
    expect(() => ca.signCsr(csr(subj), { usages: 'client', days: 1, subject: NODE })).toThrow(
      /not the expected one/,
    );
  });

  it('signs a serving certificate for the given IPs only', () => {
    const pem = ca.signCsr(csr('/CN=system:node:n1/O=system:nodes'), {
      usages: 'server',
      days: 1,
      subject: NODE,
      ipSans: ['127.0.0.5'],
    });
    expect(new X509Certificate(pem).checkIP('127.0.0.5')).toBe('127.0.0.5');
    expect(() =>
      ca.signCsr(csr('/CN=system:node:n1/O=system:nodes'), {
        usages: 'server',
        days: 1,
        subject: NODE,
        ipSans: ['127.0.0.5,DNS:evil'],
      }),
    ).toThrow(/not an IP address/);
  });
});
