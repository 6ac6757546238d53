/** CSR objects for the certificates controllers' unit tests (real PEM requests via openssl). */
import {
  KUBELET_CLIENT_SIGNER,
  type CertificateSigningRequest,
  type KeyUsage,
} from '../../../api/index.js';
import { createCsrPem, newPrivateKey } from '../../kubelet/certificate-request.js';

/** Options of {@link testCsr}. */
export interface TestCsrOptions {
  cn?: string;
  orgs?: string[];
  ipSans?: string[];
  signer?: string;
  usages?: KeyUsage[];
  username?: string;
  groups?: string[];
  approved?: boolean;
}

/** A CSR as the server stores it (defaults: a bootstrap token asking for node n1's client cert). */
export function testCsr(name: string, o: TestCsrOptions = {}): CertificateSigningRequest {
  const pem = createCsrPem(newPrivateKey(), {
    commonName: o.cn ?? 'system:node:n1',
    organizations: o.orgs ?? ['system:nodes'],
    ...(o.ipSans ? { ipSans: o.ipSans } : {}),
  });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: o.signer ?? KUBELET_CLIENT_SIGNER,
      usages: o.usages ?? ['digital signature', 'client auth'],
      username: o.username ?? 'system:bootstrap:abcdef',
      groups: o.groups ?? ['system:bootstrappers', 'system:authenticated'],
    },
    ...(o.approved
      ? { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } }
      : {}),
  };
}
