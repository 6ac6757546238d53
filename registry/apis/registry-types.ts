import type {
  Condition,
  GroupVersionResource,
  KubeObject,
  StatusCause,
} from '../../machinery/meta.js';
import { ForbiddenError } from '../../machinery/errors/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';

/** An environment's registry (cluster-scoped). */
export interface Registry extends KubeObject {
  spec: {
    url: string;
    environment: string;
    /**
     * Secret with the registry's credentials (keys in `data`, base64): `username` + `password`
     * (basic auth, also sent to a bearer-token realm), or `token` (sent as a static bearer token),
     * or `.dockerconfigjson` (the `auths` entry for the registry's host).
     */
    credentialsSecretRef?: { namespace: string; name: string };
    /**
     * CA certificates (PEM) the registry's https certificate (and its token realm's) is verified
     * against instead of the system store; base64-encoded PEM, as Kubernetes' `caBundle` fields
     * are (`[]byte` in JSON), or the PEM text itself. Only with an `https://` URL.
     */
    caBundle?: string;
    /** The same, read from a Secret or ConfigMap key (`ca.crt` unless `key` says otherwise). */
    caBundleRef?: { kind: 'Secret' | 'ConfigMap'; namespace: string; name: string; key?: string };
  };
}

/** The PEM text of a `caBundle` value (base64-encoded PEM, or PEM as it is). */
export function caBundlePem(caBundle: string): string {
  const text = caBundle.trimStart();
  return text.startsWith('-----BEGIN') ? text : Buffer.from(caBundle, 'base64').toString('utf8');
}

/** Which images move between two registries, and whether someone must approve. */
export interface ReplicationPolicy extends KubeObject {
  spec: {
    source: string;
    target: string;
    mode?: 'OneWay' | 'TwoWay';
    /** Glob patterns (`*` within a path segment, `**` across) for repositories; empty = all. */
    repositories?: string[];
    tags?: string[];
    requiresApproval?: boolean;
    /** Roles allowed to approve, and who holds them. */
    approvers?: { role: string; users: string[] }[];
  };
}

/** A request to copy one image (by digest) from one registry to another. */
export interface PromotionRequest extends KubeObject {
  spec: {
    image: { repository: string; digest: string; tag?: string };
    from: string;
    to: string;
    requester: string;
    reason?: string;
    policy?: string;
  };
  status?: {
    phase?: 'Pending' | 'Approved' | 'Rejected' | 'Copying' | 'Succeeded' | 'Failed';
    approvals?: { user: string; role: string; decision: 'approve' | 'reject'; time: string }[];
    progress?: { blobsTotal: number; blobsDone: number; blobsSkipped: number; bytesDone: number };
    attempts?: number;
    message?: string;
    conditions?: Condition[];
  };
}

/**
 * Whether `user` is a system identity (the promotion controller, replicator and notification
 * receiver run as `system:*` users): only these may name another requester or move a request's
 * phase outside the approval subresource.
 */
export function isSystemUser(user: string | undefined): boolean {
  return user?.startsWith('system:') ?? false;
}

/**
 * The fields only the approval subresource and system identities may change: a user who could
 * write them could approve their own request.
 */
function guardedFields(p: PromotionRequest | undefined): string {
  return JSON.stringify([
    p?.spec?.requester ?? null,
    p?.status?.phase ?? null,
    p?.status?.approvals ?? null,
  ]);
}

const req = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const registryType: ResourceType<Registry> = {
  group: 'registry.flotilla.io',
  version: 'v1alpha1',
  kind: 'Registry',
  plural: 'registries',
  singular: 'registry',
  namespaced: false,
  shortNames: ['reg'],
  validate: (r) => {
    const out: StatusCause[] = [];
    if (!r.spec?.url || !/^https?:\/\/[^/]+$/.test(r.spec.url)) {
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.url',
        message: 'must be http(s)://host[:port]',
      });
    }
    if (!r.spec?.environment) out.push(req('spec.environment'));
    const { caBundle, caBundleRef } = r.spec ?? {};
    if (caBundle !== undefined && !caBundlePem(caBundle).includes('-----BEGIN CERTIFICATE-----')) {
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.caBundle',
        message: 'must be PEM certificates (base64-encoded or as text)',
      });
    }
    if (caBundle !== undefined && caBundleRef !== undefined) {
      out.push({
        reason: 'FieldValueForbidden',
        field: 'spec.caBundleRef',
        message: 'set caBundle or caBundleRef, not both',
      });
    }
    if (caBundleRef !== undefined && !['Secret', 'ConfigMap'].includes(caBundleRef.kind)) {
      out.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.caBundleRef.kind',
        message: 'Secret or ConfigMap',
      });
    }
    // a CA only means something for TLS: accepting it with http:// would suggest a protection
    // that the plain connection does not have
    if ((caBundle ?? caBundleRef) !== undefined && !r.spec.url.startsWith('https://')) {
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.url',
        message: 'must be https:// when a caBundle is set',
      });
    }
    return out;
  },
  printerColumns: [
    { name: 'Environment', type: 'string', value: (r) => r.spec.environment },
    { name: 'URL', type: 'string', value: (r) => r.spec.url },
  ],
};

export const replicationPolicyType: ResourceType<ReplicationPolicy> = {
  group: 'registry.flotilla.io',
  version: 'v1alpha1',
  kind: 'ReplicationPolicy',
  plural: 'replicationpolicies',
  singular: 'replicationpolicy',
  namespaced: false,
  shortNames: ['rp'],
  validate: (p) => {
    const out: StatusCause[] = [];
    if (!p.spec?.source) out.push(req('spec.source'));
    if (!p.spec?.target) out.push(req('spec.target'));
    if (p.spec?.source && p.spec.source === p.spec.target) {
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.target',
        message: 'must differ from spec.source',
      });
    }
    if (p.spec?.mode && !['OneWay', 'TwoWay'].includes(p.spec.mode)) {
      out.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.mode',
        message: 'OneWay or TwoWay',
      });
    }
    if (p.spec?.requiresApproval && !(p.spec.approvers ?? []).some((a) => a.users.length > 0)) {
      out.push(req('spec.approvers'));
    }
    return out;
  },
};

export const promotionRequestType: ResourceType<PromotionRequest> = {
  group: 'registry.flotilla.io',
  version: 'v1alpha1',
  kind: 'PromotionRequest',
  plural: 'promotionrequests',
  singular: 'promotionrequest',
  namespaced: false,
  shortNames: ['pr'],
  subresources: { status: true },
  // the requester is whoever is authenticated; only system identities (the notification receiver)
  // may name another requester, such as `registry:dev` or the pushing user
  admit: (p, { user }) => {
    if (!isSystemUser(user) && p.spec && typeof p.spec === 'object') {
      p.spec.requester = user;
    }
  },
  // requester, phase and approvals change only through the approval subresource (which checks the
  // approver) or by system identities; an unknown writer is refused like any other user
  admitUpdate: (p, old, { user, subresource }) => {
    if (subresource === 'approval' || isSystemUser(user)) return;
    if (guardedFields(p) === guardedFields(old)) return;
    throw new ForbiddenError(
      `user "${user ?? 'unknown'}" cannot change the requester, phase or approvals of promotion request ${old.metadata.name ?? ''}; use the approval subresource`,
      { kind: 'promotionrequests', group: 'registry.flotilla.io', name: old.metadata.name ?? '' },
    );
  },
  validate: (p, old) => {
    const out: StatusCause[] = [];
    if (!p.spec?.image?.repository) out.push(req('spec.image.repository'));
    if (!DIGEST.test(p.spec?.image?.digest ?? '')) {
      out.push({
        reason: 'FieldValueInvalid',
        field: 'spec.image.digest',
        message: 'must be sha256:<64 hex>',
      });
    }
    if (!p.spec?.from) out.push(req('spec.from'));
    if (!p.spec?.to) out.push(req('spec.to'));
    if (!p.spec?.requester) out.push(req('spec.requester'));
    if (old && JSON.stringify(old.spec) !== JSON.stringify(p.spec)) {
      out.push({
        reason: 'FieldValueForbidden',
        field: 'spec',
        message: 'a promotion request is immutable',
      });
    }
    return out;
  },
  printerColumns: [
    {
      name: 'Image',
      type: 'string',
      value: (p) => `${p.spec.image.repository}@${p.spec.image.digest.slice(0, 19)}`,
    },
    { name: 'From', type: 'string', value: (p) => p.spec.from },
    { name: 'To', type: 'string', value: (p) => p.spec.to },
    { name: 'Phase', type: 'string', value: (p) => p.status?.phase ?? 'Pending' },
    { name: 'Requester', type: 'string', value: (p) => p.spec.requester },
  ],
};

/** Types the federation serves for image promotion. */
export const registryResourceTypes: ResourceType[] = [
  registryType,
  replicationPolicyType,
  promotionRequestType,
] as unknown as ResourceType[];

const gvr = (resource: string): GroupVersionResource => ({
  group: 'registry.flotilla.io',
  version: 'v1alpha1',
  resource,
});
export const REGISTRIES = gvr('registries');
export const REPLICATION_POLICIES = gvr('replicationpolicies');
export const PROMOTION_REQUESTS = gvr('promotionrequests');
