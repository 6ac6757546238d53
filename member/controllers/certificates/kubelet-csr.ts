/** The rules kubelet CSRs are held to, shared by the csrapproving and csrsigning controllers. */
import type { CsrInfo } from '../../../machinery/apiserver/cert-authority.js';
import type { CertificateSigningRequest, KeyUsage } from '../../../api/index.js';
import {
  NODE_USER_PREFIX as NODE_PREFIX,
  NODES_GROUP,
} from '../../cluster/member-bootstrap-policy.js';

export {
  BOOTSTRAPPERS_GROUP,
  NODE_USER_PREFIX as NODE_PREFIX,
  NODES_GROUP,
} from '../../cluster/member-bootstrap-policy.js';
/** A kubelet CN: `system:node:` and a DNS-1123 subdomain. */
export const NODE_COMMON_NAME =
  /^system:node:[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const CLIENT_USAGES: ReadonlySet<KeyUsage> = new Set([
  'client auth',
  'digital signature',
  'key encipherment',
]);
const SERVING_USAGES: ReadonlySet<KeyUsage> = new Set([
  'server auth',
  'digital signature',
  'key encipherment',
]);

/** The request's PEM (spec.request is base64 of it). */
export function csrPem(csr: CertificateSigningRequest): string {
  return Buffer.from(csr.spec.request, 'base64').toString('utf8');
}

/** The node a kubelet subject names, or undefined when it is not `CN=system:node:<n>, O=system:nodes`. */
export function kubeletSubjectNode(info: CsrInfo): string | undefined {
  if (info.otherSubject.length > 0 || !NODE_COMMON_NAME.test(info.commonName)) return undefined;
  if (info.organizations.length !== 1 || info.organizations[0] !== NODES_GROUP) return undefined;
  return info.commonName.slice(NODE_PREFIX.length);
}

/** Usages include `must` and nothing outside `allowed`. */
function usagesOk(
  usages: readonly string[] | undefined,
  must: KeyUsage,
  allowed: ReadonlySet<KeyUsage>,
): boolean {
  const u = usages ?? [];
  return u.includes(must) && u.every((x) => allowed.has(x as KeyUsage));
}

/** A kubelet client CSR: client auth (+ digital signature / key encipherment) only, no SANs. */
export function isKubeletClientRequest(csr: CertificateSigningRequest, info: CsrInfo): boolean {
  return (
    kubeletSubjectNode(info) !== undefined &&
    info.ipSans.length === 0 &&
    info.dnsSans.length === 0 &&
    usagesOk(csr.spec.usages, 'client auth', CLIENT_USAGES)
  );
}

/** A kubelet serving CSR: server auth (+ digital signature / key encipherment), some SAN. */
export function isKubeletServingRequest(csr: CertificateSigningRequest, info: CsrInfo): boolean {
  return (
    kubeletSubjectNode(info) !== undefined &&
    info.ipSans.length + info.dnsSans.length > 0 &&
    usagesOk(csr.spec.usages, 'server auth', SERVING_USAGES)
  );
}
