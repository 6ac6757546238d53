// Raw HTTPS access to a kubelet's API (test/integration/kubelet-process.test.ts): a GET with or
// without a client certificate, and the certificate the kubelet presents.
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { connect } from 'node:tls';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';

/** GET `https://host:port<path>` trusting `ca`, with `cert` (or none): status and body. */
export function kubeletGet(
  host: string,
  port: number,
  path: string,
  ca: string,
  cert?: ClientCert,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host,
        port,
        path,
        ca,
        ...(cert ? { cert: cert.cert, key: cert.key } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}

/** The certificate served on host:port (not verified). */
export function servedCert(host: string, port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, rejectUnauthorized: false }, () => {
      const raw = s.getPeerCertificate().raw;
      s.end();
      resolve(new X509Certificate(raw));
    });
    s.on('error', reject);
  });
}
