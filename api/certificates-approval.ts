/**
 * The `approval` subresource of CertificateSigningRequests (what `kubectl certificate approve`
 * and `deny` call): `PUT certificatesigningrequests/<name>/approval` with the CSR, of which only
 * the Approved/Denied conditions are taken.
 */
import type { SubresourceHandler } from '../machinery/apiserver/index.js';
import type { AuthorizationAttributes } from '../machinery/auth/authorizer.js';
import { forbiddenMessage } from '../machinery/auth/authorizer.js';
import type { UserInfo } from '../machinery/auth/user-info.js';
import { BadRequestError, ForbiddenError } from '../machinery/errors/index.js';
import type { CertificateSigningRequest } from './certificates-types.js';

/** Attributes of "may `user` `verb` (approve/sign) for signer `name`" (certificates.k8s.io/signers). */
export function signerAttributes(
  user: UserInfo,
  verb: 'approve' | 'sign',
  name: string,
): AuthorizationAttributes {
  return {
    user,
    verb,
    resourceRequest: true,
    apiGroup: 'certificates.k8s.io',
    apiVersion: '*',
    resource: 'signers',
    subresource: '',
    namespace: '',
    name,
    path: '',
  };
}

/**
 * `PUT certificatesigningrequests/<name>/approval`. RBAC has already allowed `update` on
 * `certificatesigningrequests/approval`; as kube-apiserver's CertificateApproval admission, the
 * user must also hold verb `approve` on `signers` named after the CSR's signer (or `<domain>/*`),
 * else 403. Approved and Denied cannot be removed once set (the type's update admission).
 * Register on the member ApiServer:
 * `server.registerSubresource(certificateSigningRequestType, 'approval', csrApprovalHandler)`.
 */
export const csrApprovalHandler: SubresourceHandler = async (req) => {
  if (req.method !== 'PUT') throw new BadRequestError('approval only supports PUT');
  const body = req.body as Partial<CertificateSigningRequest> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('the request body must be a CertificateSigningRequest');
  }
  const current = (await req.registry.get(
    req.rt,
    undefined,
    req.name,
  )) as CertificateSigningRequest;
  const signer = current.spec.signerName;
  const domain = signer.split('/')[0] ?? signer;
  let decision = await req.authorize(signerAttributes(req.userInfo, 'approve', signer));
  if (!decision.allowed) {
    decision = await req.authorize(signerAttributes(req.userInfo, 'approve', `${domain}/*`));
  }
  if (!decision.allowed) {
    const attrs = signerAttributes(req.userInfo, 'approve', signer);
    throw new ForbiddenError(forbiddenMessage(attrs, decision.reason), { name: req.name });
  }
  const conditions = structuredClone(body.status?.conditions ?? []);
  return req.registry.guaranteedUpdate(
    req.rt,
    undefined,
    req.name,
    body.metadata?.resourceVersion,
    (cur) => {
      const c = cur as CertificateSigningRequest;
      return { ...c, status: { ...(c.status ?? {}), conditions } };
    },
    { user: req.user, subresource: 'approval' },
  );
};
