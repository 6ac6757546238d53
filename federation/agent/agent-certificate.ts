/**
 * The agent's identity, Karmada style: a new private key and a CertificateSigningRequest for
 * `CN=system:flotilla:agent:<cluster>, O=system:flotilla:agents` (signer
 * `flotilla.io/agent-client`), created with a bootstrap token and signed by the federation's
 * agent-csr controller.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CERTIFICATE_SIGNING_REQUESTS,
  csrCondition,
  type CertificateSigningRequest,
} from '../../api/index.js';
import { agentUserName, AGENTS_GROUP } from '../apis/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { AGENT_SIGNER, AGENT_USAGES, agentCsrName } from '../controllers/agentcsr/agent-csr.js';

/** Thrown when the federation denies the request, fails to sign it, or does not answer in time. */
export class AgentCertificateError extends Error {
  /** The CSR's name. */
  readonly csr: string;
  /** A timeout may be retried; a denial or a signing failure will not change. */
  readonly retryable: boolean;

  constructor(csr: string, message: string, retryable: boolean) {
    super(message);
    this.name = 'AgentCertificateError';
    this.csr = csr;
    this.retryable = retryable;
  }
}

/** A PEM certificate request for the agent of `cluster`, signed with `keyPem`. */
export function agentCsrPem(keyPem: string, cluster: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-agent-csr-'));
  try {
    writeFileSync(join(dir, 'key.pem'), keyPem, { mode: 0o600 });
    // cluster names are DNS-1123 labels: nothing here is -subj syntax
    execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-key',
        join(dir, 'key.pem'),
        '-subj',
        `/CN=${agentUserName(cluster)}/O=${AGENTS_GROUP}`,
        '-out',
        join(dir, 'req.csr'),
      ],
      { stdio: 'ignore' },
    );
    return readFileSync(join(dir, 'req.csr'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Options for {@link requestAgentCertificate}. */
export interface AgentCertificateRequestOptions {
  /** How long to wait for the certificate. @defaultValue 60000 */
  timeoutMs?: number;
  /** @defaultValue 250 */
  pollMs?: number;
}

/**
 * Creates the CSR with `client` (the bootstrap identity) and waits until it is issued.
 * @returns the client certificate and its private key (PEM) and the CSR's name
 * @throws AgentCertificateError when denied, failed or not issued within the timeout
 */
export async function requestAgentCertificate(
  client: KubeClient,
  cluster: string,
  opts: AgentCertificateRequestOptions = {},
): Promise<{ cert: string; key: string; csrName: string }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const name = agentCsrName(cluster, randomBytes(3).toString('hex'));
  const rc = client.resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS);
  await rc.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(agentCsrPem(key, cluster)).toString('base64'),
      signerName: AGENT_SIGNER,
      usages: AGENT_USAGES,
    },
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const csr = await rc.get(name);
    const refused = csrCondition(csr, 'Denied') ?? csrCondition(csr, 'Failed');
    if (refused) {
      throw new AgentCertificateError(
        name,
        `certificate request ${name} ${refused.type.toLowerCase()}: ${refused.message ?? refused.reason ?? ''}`,
        false,
      );
    }
    if (csr.status?.certificate) {
      return {
        cert: Buffer.from(csr.status.certificate, 'base64').toString('utf8'),
        key,
        csrName: name,
      };
    }
    if (Date.now() > deadline) {
      throw new AgentCertificateError(
        name,
        `certificate request ${name} was not issued in time (is the federation's agent-csr controller running?)`,
        true,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}
