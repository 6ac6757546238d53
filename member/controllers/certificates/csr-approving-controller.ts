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
  BOOTSTRAPPERS_GROUP,
  csrPem,
  isKubeletClientRequest,
  isKubeletServingRequest,
  kubeletSubjectNode,
  NODE_PREFIX,
  NODES_GROUP,
} from './kubelet-csr.js';

export const ControllerName = 'csrapproving';
/** Reason of the Approved condition this controller sets. */
export const AutoApprovedReason = 'AutoApproved';

/**
 * Kubernetes' csrapproving controller for kubelet client certificates: approves a CSR of signer
 * `kubernetes.io/kube-apiserver-client-kubelet` whose subject is `CN=system:node:<n>,
 * O=system:nodes`, whose usages are client auth (+ digital signature / key encipherment), and
 * which was asked for by a bootstrap token (`system:bootstrappers`) or by `system:node:<n>` itself
 * (renewal). Kubelet serving certificates (`kubernetes.io/kubelet-serving`) are approved the way
 * kubelet-csr-approver does it: asked for by `system:node:<n>` for itself, every IP SAN one of
 * that Node's addresses and every DNS SAN its hostname, so a node cannot obtain a certificate for
 * another node's address. Every other CSR is left alone for a human (`kubectl certificate
 * approve`) or another approver. It never denies.
 */
export class CsrApprovingController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const inf = ctx.informers.for<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [inf, ctx.informers.for<Node>(NODES)],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    inf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    // a kubelet asks for its serving certificate as soon as it registers: when its Node (and its
    // addresses) shows up after the CSR, look at that node's pending requests again
    const requestsOf = (node: Node): void => {
      for (const csr of inf.list()) {
        if (csr.spec.username === `${NODE_PREFIX}${node.metadata.name}`) {
          this.controller.enqueueObject(csr);
        }
      }
    };
    ctx.informers.for<Node>(NODES).addEventHandler({
      onAdd: requestsOf,
      onUpdate: (_o, n) => requestsOf(n),
    });
  }

  /** Approves the CSR `name` when it is a kubelet client request of the right requester. */
  async reconcile(name: string): Promise<void> {
    const csr = this.ctx.informers
      .for<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS)
      .get(name);
    const signer = csr?.spec.signerName;
    if (!csr || (signer !== KUBELET_CLIENT_SIGNER && signer !== KUBELET_SERVING_SIGNER)) return;
    if (csrCondition(csr, 'Approved') || csrCondition(csr, 'Denied') || csr.status?.certificate) {
      return;
    }
    let info: CsrInfo;
    try {
      info = inspectCsr(csrPem(csr));
    } catch (err) {
      // a malformed request is not ours to approve; a human may deny it
      if (err instanceof BadRequestError) return;
      throw err;
    }
    const ok =
      signer === KUBELET_CLIENT_SIGNER
        ? isKubeletClientRequest(csr, info) && this.requesterMayAsk(csr, info)
        : isKubeletServingRequest(csr, info) && this.servingSansAreTheNodes(csr, info);
    if (!ok) return;
    const next = structuredClone(csr);
    next.status = {
      ...(next.status ?? {}),
      conditions: [
        ...(next.status?.conditions ?? []),
        {
          type: 'Approved',
          status: 'True',
          reason: AutoApprovedReason,
          message:
            signer === KUBELET_CLIENT_SIGNER
              ? 'Auto approving kubelet client certificate after SubjectAccessReview.'
              : "Auto approving kubelet serving certificate for the node's own addresses.",
          lastUpdateTime: this.ctx
            .now()
            .toISOString()
            .replace(/\.\d+Z$/, 'Z'),
        },
      ],
    };
    try {
      await this.ctx.client
        .resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS)
        .subresource(name, 'approval', 'PUT', next);
      this.ctx.logger.info(`approved ${signer} CSR ${name} of ${csr.spec.username ?? ''}`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** A bootstrap token may ask for any node; a node only for itself (renewal). */
  private requesterMayAsk(csr: CertificateSigningRequest, info: CsrInfo): boolean {
    const groups = csr.spec.groups ?? [];
    if (groups.includes(BOOTSTRAPPERS_GROUP)) return true;
    const node = kubeletSubjectNode(info);
    return (
      node !== undefined &&
      csr.spec.username === `${NODE_PREFIX}${node}` &&
      groups.includes(NODES_GROUP)
    );
  }

  /**
   * A serving CSR of `system:node:<n>` for itself whose SANs are all that Node's addresses (IPs)
   * or hostname (DNS); the Node must exist (it registered with its client certificate first).
   */
  private servingSansAreTheNodes(csr: CertificateSigningRequest, info: CsrInfo): boolean {
    const node = kubeletSubjectNode(info);
    if (node === undefined || csr.spec.username !== `${NODE_PREFIX}${node}`) return false;
    const obj = this.ctx.informers.for<Node>(NODES).get(node);
    const addresses = obj?.status?.addresses ?? [];
    const ips = new Set(addresses.filter((a) => a.type !== 'Hostname').map((a) => a.address));
    const names = new Set([
      node,
      ...addresses.filter((a) => a.type === 'Hostname').map((a) => a.address),
    ]);
    return (
      obj !== undefined &&
      info.ipSans.every((ip) => ips.has(ip)) &&
      info.dnsSans.every((d) => names.has(d))
    );
  }
}
