/**
 * certificates.k8s.io/v1 CertificateSigningRequest: a client (a kubelet joining with a bootstrap
 * token) asks the cluster CA for a certificate. The server stamps who asked (`spec.username`,
 * `groups`, `uid`, `extra`) as kube-apiserver does; approval (`approval` subresource) and signing
 * (`status.certificate` through `status`) are separate steps with separate permissions.
 */
import type {
  Condition,
  GroupVersionResource,
  KubeObject,
  StatusCause,
} from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { currentRequestUser } from '../machinery/auth/request-user-context.js';
import { ForbiddenError } from '../machinery/errors/index.js';
import { invalid } from './validation.js';

/** Signer of kubelet client certificates (CN=system:node:<name>, O=system:nodes). */
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Signer of kubelet serving certificates (the kubelet's HTTPS API). */
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
/** Signer of other client certificates for the API server. */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

/** Key usages a CSR may ask for (certificates/v1 KeyUsage). */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

/** One certificates/v1 KeyUsage. */
export type KeyUsage = (typeof KEY_USAGES)[number];

/** certificates/v1 CertificateSigningRequestSpec. */
export interface CertificateSigningRequestSpec {
  /** base64 of the PEM `CERTIFICATE REQUEST`. */
  request: string;
  signerName: string;
  expirationSeconds?: number;
  usages?: KeyUsage[];
  /** Set by the server from the requesting user; whatever the client sends is replaced. */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** One CSR condition: `type` Approved, Denied or Failed (others are kept as they are). */
export interface CsrCondition extends Condition {
  type: string;
  lastUpdateTime?: string;
}

/** certificates.k8s.io/v1 CertificateSigningRequest. */
export interface CertificateSigningRequest extends KubeObject {
  spec: CertificateSigningRequestSpec;
  status?: {
    conditions?: CsrCondition[];
    /** base64 of the PEM certificate (chain), set by the signer once approved. */
    certificate?: string;
  };
}

/** GroupVersionResource of CertificateSigningRequests. */
export const CERTIFICATE_SIGNING_REQUESTS: GroupVersionResource = {
  group: 'certificates.k8s.io',
  version: 'v1',
  resource: 'certificatesigningrequests',
};

/** The CSR's condition of `type`, if any. */
export function csrCondition(
  csr: Pick<CertificateSigningRequest, 'status'>,
  type: string,
): CsrCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type && c.status !== 'False');
}

const DECISIONS = new Set(['Approved', 'Denied']);
/** `example.com/path`: a DNS subdomain, a slash, a path (certificates/v1 signerName). */
const SIGNER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[\w.\-/]+$/;

function validateSpec(spec: CertificateSigningRequestSpec | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  if (!spec || typeof spec !== 'object') return [invalid('spec', spec, 'spec is required')];
  const pem =
    typeof spec.request === 'string' ? Buffer.from(spec.request, 'base64').toString('utf8') : '';
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(pem)) {
    out.push(invalid('spec.request', '<bytes>', 'must be base64 of a PEM CERTIFICATE REQUEST'));
  }
  if (typeof spec.signerName !== 'string' || !SIGNER_NAME.test(spec.signerName)) {
    out.push(invalid('spec.signerName', spec.signerName, 'must be a <domain>/<path> signer name'));
  }
  if (
    spec.expirationSeconds !== undefined &&
    (!Number.isInteger(spec.expirationSeconds) || spec.expirationSeconds < 600)
  ) {
    out.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify < 600s'));
  }
  for (const [i, u] of (spec.usages ?? []).entries()) {
    if (!(KEY_USAGES as readonly string[]).includes(u)) {
      out.push(invalid(`spec.usages[${String(i)}]`, u, 'unsupported key usage'));
    }
  }
  return out;
}

function validateStatus(
  csr: CertificateSigningRequest,
  old: CertificateSigningRequest | undefined,
): StatusCause[] {
  const out: StatusCause[] = [];
  const conds = csr.status?.conditions ?? [];
  if (csrCondition(csr, 'Approved') && csrCondition(csr, 'Denied')) {
    out.push(invalid('status.conditions', 'Approved,Denied', 'Approved and Denied are exclusive'));
  }
  for (const [i, c] of conds.entries()) {
    if (typeof c.type !== 'string' || c.type === '') {
      out.push(invalid(`status.conditions[${String(i)}].type`, c.type, 'is required'));
    }
  }
  const cert = csr.status?.certificate;
  const oldCert = old?.status?.certificate;
  if (oldCert !== undefined && oldCert !== '' && cert !== oldCert) {
    out.push(invalid('status.certificate', '<bytes>', 'updates may not modify the certificate'));
  }
  if (cert !== undefined && cert !== '' && oldCert !== cert && !csrCondition(csr, 'Approved')) {
    out.push(invalid('status.certificate', '<bytes>', 'only an approved request can be signed'));
  }
  return out;
}

/** Approved/Denied conditions of `from` (a decision survives every later write but `approval`). */
function decisions(from: CertificateSigningRequest): CsrCondition[] {
  return (from.status?.conditions ?? []).filter((c) => DECISIONS.has(c.type));
}

/** `certificatesigningrequest` resource type (cluster-scoped; `status` and `approval`). */
export const certificateSigningRequestType: ResourceType<CertificateSigningRequest> = {
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  namespaced: false,
  shortNames: ['csr'],
  subresources: { status: true },
  admit: (obj, ctx) => {
    // the requester is who the server authenticated, never what the body claims
    const user = currentRequestUser();
    const spec = obj.spec as CertificateSigningRequestSpec | undefined;
    if (!spec || typeof spec !== 'object') return;
    spec.username = user?.name ?? ctx.user;
    const groups = user?.groups ?? [];
    if (groups.length > 0) spec.groups = [...groups];
    else delete spec.groups;
    if (user?.uid !== undefined) spec.uid = user.uid;
    else delete spec.uid;
    if (user?.extra !== undefined) {
      spec.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
    } else delete spec.extra;
  },
  admitUpdate: (obj, old, ctx) => {
    // spec never changes; each endpoint owns its part of status (certificates/v1 strategies)
    obj.spec = structuredClone(old.spec);
    if (ctx.subresource === undefined) {
      obj.status = structuredClone(old.status ?? {});
      return;
    }
    const next = obj.status ?? {};
    if (ctx.subresource === 'approval') {
      const prev = decisions(old);
      const kept = (next.conditions ?? []).filter((c) => DECISIONS.has(c.type));
      for (const p of prev) {
        if (!kept.some((c) => c.type === p.type)) {
          throw new ForbiddenError(`the ${p.type} condition of a CSR cannot be removed`);
        }
      }
      const others = (old.status?.conditions ?? []).filter((c) => !DECISIONS.has(c.type));
      obj.status = {
        ...structuredClone(old.status ?? {}),
        conditions: [...others, ...kept],
      };
      return;
    }
    // status: everything but the decisions, which stay as they are
    obj.status = {
      ...next,
      conditions: [
        ...(next.conditions ?? []).filter((c) => !DECISIONS.has(c.type)),
        ...decisions(old),
      ],
    };
  },
  validate: (o, old) => [...validateSpec(o.spec), ...(old ? validateStatus(o, old) : [])],
  fieldSelectors: { 'spec.signerName': (o) => o.spec.signerName },
  printerColumns: [
    { name: 'SignerName', type: 'string', value: (o) => o.spec.signerName },
    { name: 'Requestor', type: 'string', value: (o) => o.spec.username },
    {
      name: 'RequestedDuration',
      type: 'string',
      value: (o) =>
        o.spec.expirationSeconds === undefined
          ? '<none>'
          : `${String(Math.round(o.spec.expirationSeconds / 60))}m`,
    },
    { name: 'Condition', type: 'string', value: csrConditionColumn },
  ],
};

/** kubectl's CONDITION column: `Approved,Issued`, `Denied`, `Pending`. */
export function csrConditionColumn(o: CertificateSigningRequest): string {
  const parts = (o.status?.conditions ?? []).filter((c) => c.status !== 'False').map((c) => c.type);
  if (o.status?.certificate) parts.push('Issued');
  return parts.length > 0 ? parts.join(',') : 'Pending';
}
