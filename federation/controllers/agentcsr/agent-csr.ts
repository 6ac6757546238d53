/** The shape of a pull agent's certificate request, shared by the approver/signer and `register`. */
import type { CsrInfo } from '../../../machinery/apiserver/cert-authority.js';
import type { CertificateSigningRequest, KeyUsage } from '../../../api/index.js';
import { AGENT_USER_PREFIX, AGENTS_GROUP } from '../../apis/index.js';

/** signerName of agent client certificates (issued by the federation CA). */
export const AGENT_SIGNER = 'flotilla.io/agent-client';
/** Key usages an agent asks for. */
export const AGENT_USAGES: KeyUsage[] = ['digital signature', 'client auth'];
/** Group of bootstrap-token users (machinery/auth/bootstrap-token-authenticator.ts). */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** A cluster name: a DNS-1123 label (it also names the execution namespace `fed-es-<name>`). */
export const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

const ALLOWED_USAGES: ReadonlySet<string> = new Set([
  'digital signature',
  'key encipherment',
  'client auth',
]);

/** The CSR object name `register` uses for a cluster (one pending request per cluster). */
export function agentCsrName(cluster: string, suffix: string): string {
  return `agent-${cluster}-${suffix}`;
}

/** The cluster of `CN=system:flotilla:agent:<c>, O=system:flotilla:agents`, else undefined. */
export function agentSubjectCluster(info: CsrInfo): string | undefined {
  if (info.otherSubject.length > 0 || info.ipSans.length + info.dnsSans.length > 0) {
    return undefined;
  }
  if (info.organizations.length !== 1 || info.organizations[0] !== AGENTS_GROUP) return undefined;
  if (!info.commonName.startsWith(AGENT_USER_PREFIX)) return undefined;
  const cluster = info.commonName.slice(AGENT_USER_PREFIX.length);
  return CLUSTER_NAME.test(cluster) ? cluster : undefined;
}

/** Usages include client auth and nothing beyond digital signature / key encipherment. */
export function agentUsagesOk(csr: CertificateSigningRequest): boolean {
  const u = csr.spec.usages ?? [];
  return u.includes('client auth') && u.every((x) => ALLOWED_USAGES.has(x));
}

/** The CN regular expression signCsr holds the request to (exactly one agent name). */
export function agentCommonName(cluster: string): RegExp {
  return new RegExp(`^${AGENT_USER_PREFIX.replace(/[.:]/g, '\\$&')}${cluster}$`);
}
