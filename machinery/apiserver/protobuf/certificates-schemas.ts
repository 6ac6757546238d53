/**
 * certificates.k8s.io/v1 messages (k8s.io/api certificates/v1 generated.proto numbering): what
 * `kubectl certificate approve|deny` PUT to the `approval` subresource.
 */
import { withMeta } from './meta-schemas.js';
import type { Schema } from './schema.js';

const csrSpec: Schema = {
  1: { name: 'request', type: 'bytes' },
  2: { name: 'username', type: 'string' },
  3: { name: 'uid', type: 'string' },
  4: { name: 'groups', type: 'string', repeated: true },
  5: { name: 'usages', type: 'string', repeated: true },
  6: { name: 'extra', type: 'stringList', map: true },
  7: { name: 'signerName', type: 'string' },
  8: { name: 'expirationSeconds', type: 'int', optional: true },
};

const csrCondition: Schema = {
  1: { name: 'type', type: 'string' },
  2: { name: 'reason', type: 'string' },
  3: { name: 'message', type: 'string' },
  4: { name: 'lastUpdateTime', type: 'time' },
  5: { name: 'lastTransitionTime', type: 'time' },
  6: { name: 'status', type: 'string' },
};

const csrStatus: Schema = {
  1: { name: 'conditions', type: () => csrCondition, repeated: true },
  2: { name: 'certificate', type: 'bytes' },
};

/** certificates.k8s.io kinds by `apiVersion/kind`. */
export const certificatesSchemas: Record<string, Schema> = {
  'certificates.k8s.io/v1/CertificateSigningRequest': withMeta({
    2: { name: 'spec', type: () => csrSpec },
    3: { name: 'status', type: () => csrStatus },
  }),
};
