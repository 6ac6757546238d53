import {
  CERTIFICATE_SIGNING_REQUESTS,
  csrCondition,
  type CertificateSigningRequest,
} from '../../../api/index.js';
import { CLUSTERS, isPullCluster, type Cluster, AGENTS_GROUP } from '../../apis/index.js';
import {
  inspectCsr,
  type CertificateAuthority,
  type CsrInfo,
} from '../../../machinery/apiserver/cert-authority.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import { BadRequestError, NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import {
  AGENT_SIGNER,
  agentCommonName,
  agentSubjectCluster,
  agentUsagesOk,
  BOOTSTRAPPERS_GROUP,
} from './agent-csr.js';

export const ControllerName = 'agent-csr-controller';
/** Reasons of the conditions this controller sets. */
export const ReasonAutoApproved = 'AgentAutoApproved';
export const ReasonInvalidRequest = 'AgentRequestInvalid';
export const ReasonSignFailed = 'SigningFailed';

/** Options for {@link AgentCsrController}. */
export interface AgentCsrOptions {
  client: KubeClient;
  informers: InformerFactory;
  /** The federation CA (the same that verifies client certificates). */
  ca: Pick<CertificateAuthority, 'signCsr' | 'cert'>;
  logger: Logger;
  /** Validity of agent certificates. @defaultValue 365 */
  certificateDays?: number;
  now?: () => Date;
}

const stamp = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Approver and signer of signer `flotilla.io/agent-client` (Karmada's agent CSR flow):
 *
 * - a request whose subject is exactly `CN=system:flotilla:agent:<cluster>,
 *   O=system:flotilla:agents` (no SANs, client usages) asked for by a bootstrap token
 *   (`system:bootstrappers`) is approved, unless `<cluster>` is a Push cluster (an agent identity
 *   is never handed out for a cluster the federation pushes to);
 * - any other request for this signer is Denied (no one else can issue these certificates);
 * - an approved, well-shaped request is signed with the federation CA (client auth only).
 *
 * Requests of other signers are left alone.
 */
export class AgentCsrController {
  readonly controller: Controller;
  private readonly opts: AgentCsrOptions;

  constructor(opts: AgentCsrOptions) {
    this.opts = opts;
    const csrs = opts.informers.for<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [csrs, opts.informers.for(CLUSTERS)],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
    });
    csrs.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
  }

  async reconcile(name: string): Promise<void> {
    const csr = this.opts.informers
      .for<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS)
      .get(name);
    if (!csr || csr.spec.signerName !== AGENT_SIGNER) return;
    if (csrCondition(csr, 'Denied') || csrCondition(csr, 'Failed') || csr.status?.certificate) {
      return;
    }
    let info: CsrInfo | undefined;
    try {
      info = inspectCsr(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
    }
    const cluster = info && agentUsagesOk(csr) ? agentSubjectCluster(info) : undefined;
    if (cluster === undefined) {
      await this.decide(
        csr,
        'Denied',
        ReasonInvalidRequest,
        `not an agent request: the subject must be CN=system:flotilla:agent:<cluster>, O=${AGENTS_GROUP} with client usages and no SANs`,
      );
      return;
    }
    if (!csrCondition(csr, 'Approved')) {
      const refusal = this.refusal(csr, cluster);
      if (refusal !== undefined) {
        await this.decide(csr, 'Denied', ReasonInvalidRequest, refusal);
        return;
      }
      await this.decide(
        csr,
        'Approved',
        ReasonAutoApproved,
        `agent certificate of cluster ${cluster} requested by ${csr.spec.username ?? ''}`,
      );
      return; // the update event brings us back to sign
    }
    await this.sign(csr, cluster);
  }

  /** Why a well-shaped request may not be auto-approved, or undefined when it may. */
  private refusal(csr: CertificateSigningRequest, cluster: string): string | undefined {
    if (!(csr.spec.groups ?? []).includes(BOOTSTRAPPERS_GROUP)) {
      return `only bootstrap tokens (${BOOTSTRAPPERS_GROUP}) may request agent certificates, not ${csr.spec.username ?? ''}`;
    }
    const existing = this.opts.informers.for<Cluster>(CLUSTERS).get(cluster);
    if (existing && !isPullCluster(existing)) {
      return `cluster ${cluster} is a Push cluster: it has no agent`;
    }
    return undefined;
  }

  private async decide(
    csr: CertificateSigningRequest,
    type: 'Approved' | 'Denied',
    reason: string,
    message: string,
  ): Promise<void> {
    const name = csr.metadata.name ?? '';
    const next = structuredClone(csr);
    next.status = {
      ...(next.status ?? {}),
      conditions: [
        ...(next.status?.conditions ?? []),
        {
          type,
          status: 'True',
          reason,
          message,
          lastUpdateTime: stamp(this.opts.now?.() ?? new Date()),
        },
      ],
    };
    try {
      await this.opts.client
        .resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS)
        .subresource(name, 'approval', 'PUT', next);
      this.opts.logger.info(`CSR ${name}: ${type} (${message})`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  private async sign(csr: CertificateSigningRequest, cluster: string): Promise<void> {
    const name = csr.metadata.name ?? '';
    const next = structuredClone(csr);
    try {
      const cert = this.opts.ca.signCsr(Buffer.from(csr.spec.request, 'base64').toString('utf8'), {
        usages: 'client',
        days: this.opts.certificateDays ?? 365,
        subject: { commonName: agentCommonName(cluster), organizations: [AGENTS_GROUP] },
      });
      next.status = { ...(next.status ?? {}), certificate: Buffer.from(cert).toString('base64') };
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
      // a permanent problem with the request: say so on it instead of retrying forever
      next.status = {
        ...(next.status ?? {}),
        conditions: [
          ...(next.status?.conditions ?? []),
          { type: 'Failed', status: 'True', reason: ReasonSignFailed, message: err.message },
        ],
      };
    }
    await this.opts.client
      .resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS)
      .updateStatus(next)
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    this.opts.logger.info(`CSR ${name}: agent certificate of cluster ${cluster} issued`);
  }
}
