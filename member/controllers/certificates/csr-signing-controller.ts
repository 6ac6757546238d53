import { inspectCsr, type CsrInfo } from '../../../machinery/apiserver/cert-authority.js';
import { Controller } from '../../../machinery/controller/index.js';
import { BadRequestError, NotFoundError } from '../../../machinery/errors/index.js';
import {
  CERTIFICATE_SIGNING_REQUESTS,
  csrCondition,
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  NODES,
  type CertificateSigningRequest,
  type Node,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import {
  csrPem,
  isKubeletClientRequest,
  isKubeletServingRequest,
  kubeletSubjectNode,
  NODE_COMMON_NAME,
  NODES_GROUP,
} from './kubelet-csr.js';

export const ControllerName = 'csrsigning';
/** Reason of the Failed condition set when a request breaks its signer's rules. */
export const SignerValidationFailureReason = 'SignerValidationFailure';
/** Validity when the CSR does not ask (`spec.expirationSeconds`). */
const DEFAULT_DAYS = 365;
/** Wait before looking again for the Node a serving CSR names. */
const NODE_WAIT_MS = 2000;

const SIGNERS = new Set([KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER]);

/**
 * Kubernetes' csrsigning controller for the kubelet signers: issues the certificate of every
 * approved CSR of `kubernetes.io/kube-apiserver-client-kubelet` (client auth) or
 * `kubernetes.io/kubelet-serving` (server auth, SAN IPs that must be the Node's addresses) with
 * the cluster CA (`ctx.signer`). A request that breaks the signer's rules gets a Failed condition
 * and is not retried. Without a signer it does nothing (logged once).
 */
export class CsrSigningController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private warned = false;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const inf = ctx.informers.for<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [inf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    inf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
  }

  /** Signs CSR `name` when it is approved, unsigned, and of a kubelet signer. */
  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const csr = this.ctx.informers
      .for<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS)
      .get(name);
    if (!csr || !SIGNERS.has(csr.spec.signerName) || !csrCondition(csr, 'Approved')) {
      return undefined;
    }
    if (csr.status?.certificate || csrCondition(csr, 'Failed') || csrCondition(csr, 'Denied')) {
      return undefined;
    }
    const signer = this.ctx.signer;
    if (!signer) {
      if (!this.warned) {
        this.warned = true;
        this.ctx.logger.warn(
          `${ControllerName}: no cluster signing CA configured; CSRs stay unsigned`,
        );
      }
      return undefined;
    }
    let info: CsrInfo;
    try {
      info = inspectCsr(csrPem(csr));
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
      await this.fail(csr, err.message);
      return undefined;
    }
    const days = Math.max(
      1,
      Math.ceil((csr.spec.expirationSeconds ?? DEFAULT_DAYS * 86400) / 86400),
    );
    const subject = { commonName: NODE_COMMON_NAME, organizations: [NODES_GROUP] };
    let pem: string;
    if (csr.spec.signerName === KUBELET_CLIENT_SIGNER) {
      if (!isKubeletClientRequest(csr, info)) {
        await this.fail(csr, 'not a kubelet client certificate request (subject, usages or names)');
        return undefined;
      }
      pem = signer.signCsr(csrPem(csr), { usages: 'client', days, subject });
    } else {
      if (!isKubeletServingRequest(csr, info)) {
        await this.fail(
          csr,
          'not a kubelet serving certificate request (subject, usages or names)',
        );
        return undefined;
      }
      const node = await this.node(kubeletSubjectNode(info) ?? '');
      if (!node) return { requeueAfterMs: NODE_WAIT_MS };
      const known = new Set((node.status?.addresses ?? []).map((a) => a.address));
      const foreign = [...info.ipSans, ...info.dnsSans].filter((n) => !known.has(n));
      if (foreign.length > 0) {
        await this.fail(csr, `names ${foreign.join(', ')} are not addresses of the node`);
        return undefined;
      }
      pem = signer.signCsr(csrPem(csr), {
        usages: 'server',
        days,
        subject,
        ipSans: info.ipSans,
        dnsSans: info.dnsSans,
      });
    }
    const next = structuredClone(csr);
    next.status = { ...(next.status ?? {}), certificate: Buffer.from(pem).toString('base64') };
    await this.writeStatus(next);
    this.ctx.logger.info(`signed CSR ${name} (${csr.spec.signerName}) for ${info.commonName}`);
    return undefined;
  }

  private async node(name: string): Promise<Node | undefined> {
    try {
      return await this.ctx.client.resource<Node>(NODES).get(name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Permanent: a Failed condition, no requeue (STYLE §9). */
  private async fail(csr: CertificateSigningRequest, message: string): Promise<void> {
    const next = structuredClone(csr);
    next.status = {
      ...(next.status ?? {}),
      conditions: [
        ...(next.status?.conditions ?? []),
        {
          type: 'Failed',
          status: 'True',
          reason: SignerValidationFailureReason,
          message,
          lastUpdateTime: this.ctx
            .now()
            .toISOString()
            .replace(/\.\d+Z$/, 'Z'),
        },
      ],
    };
    this.ctx.logger.warn(`CSR ${csr.metadata.name ?? ''}: ${message}`);
    await this.writeStatus(next);
  }

  private async writeStatus(csr: CertificateSigningRequest): Promise<void> {
    try {
      await this.ctx.client
        .resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS)
        .updateStatus(csr);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}
