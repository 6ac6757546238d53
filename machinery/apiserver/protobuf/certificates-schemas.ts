/**
 * certificates.k8s.io/v1 messages (k8s.io/api certificates/v1 generated.proto numbering): what
 * `kubectl certificate approve|deny` PUT to the `approval` subresource.
 */
import { kindMessage, specField, statusField } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const csrSpec: Schema = message(
  { name: 'io.k8s.api.certificates.v1.CertificateSigningRequestSpec' },
  {
    1: {
      name: 'request',
      type: 'bytes',
      required: true,
      description: 'PEM-encoded PKCS#10 certificate request. Immutable.',
    },
    2: { name: 'username', type: 'string' },
    3: { name: 'uid', type: 'string' },
    4: { name: 'groups', type: 'string', repeated: true },
    5: { name: 'usages', type: 'string', repeated: true },
    6: { name: 'extra', type: 'stringList', map: true },
    7: {
      name: 'signerName',
      type: 'string',
      required: true,
      description: 'Signer asked to sign, e.g. kubernetes.io/kube-apiserver-client.',
    },
    8: { name: 'expirationSeconds', type: 'int', optional: true },
  },
);

const csrCondition: Schema = message(
  { name: 'io.k8s.api.certificates.v1.CertificateSigningRequestCondition' },
  {
    1: { name: 'type', type: 'string' },
    2: { name: 'reason', type: 'string' },
    3: { name: 'message', type: 'string' },
    4: { name: 'lastUpdateTime', type: 'time' },
    5: { name: 'lastTransitionTime', type: 'time' },
    6: { name: 'status', type: 'string' },
  },
);

const csrStatus: Schema = message(
  { name: 'io.k8s.api.certificates.v1.CertificateSigningRequestStatus' },
  {
    1: { name: 'conditions', type: () => csrCondition, repeated: true },
    2: { name: 'certificate', type: 'bytes' },
  },
);

/** certificates.k8s.io kinds by `apiVersion/kind`. */
export const certificatesSchemas: Record<string, Schema> = {
  'certificates.k8s.io/v1/CertificateSigningRequest': kindMessage(
    'io.k8s.api.certificates.v1.CertificateSigningRequest',
    'A request to sign an X.509 certificate; approved or denied, then signed by a signer.',
    { 2: specField(() => csrSpec), 3: statusField(() => csrStatus) },
  ),
};
