import type { UserInfo } from '../../machinery/auth/user-info.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { KubeObject } from '../../machinery/meta.js';
import type { RegistryAccessRule, RegistryActors } from './registry-token-server.js';

const SUBJECT_ACCESS_REVIEWS = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'subjectaccessreviews',
};

interface SubjectAccessReview extends KubeObject {
  spec: Record<string, unknown>;
  status?: { allowed?: boolean };
}

/**
 * The users the federation lets create PromotionRequests (`promotion-requester`), asked with a
 * SubjectAccessReview made by `client` (the promotion service's identity).
 */
export function promotionRequesters(client: KubeClient): RegistryActors {
  const reviews = client.resource<SubjectAccessReview>(SUBJECT_ACCESS_REVIEWS);
  return async (user: UserInfo) => {
    const review = await reviews.create({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: {
        user: user.name,
        groups: [...user.groups],
        ...(user.uid !== undefined ? { uid: user.uid } : {}),
        resourceAttributes: {
          verb: 'create',
          group: 'registry.flotilla.io',
          version: 'v1alpha1',
          resource: 'promotionrequests',
        },
      },
    });
    return review.status?.allowed === true;
  };
}

/** Who may push where (see {@link promotionAccessRules}). */
export interface PromotionAccessOptions {
  /** The registries' token services, one per environment. */
  environments: readonly string[];
  /** Environments only the promotion worker may push to. */
  protectedEnvironments: readonly string[];
  /** The registry user name the promotion workers push as. */
  workerUser: string;
  /** Who may push to the other environments (besides the worker). */
  requesters: RegistryActors;
}

/**
 * One rule per environment: every authenticated user pulls; protected environments take pushes
 * from the promotion worker only, the others from the worker and the requesters.
 */
export function promotionAccessRules(opts: PromotionAccessOptions): RegistryAccessRule[] {
  const protectedEnvs = new Set(opts.protectedEnvironments);
  const requesters = opts.requesters;
  const pushers: RegistryActors =
    requesters === 'authenticated'
      ? 'authenticated'
      : typeof requesters === 'function'
        ? async (user) => user.name === opts.workerUser || (await requesters(user))
        : [opts.workerUser, ...requesters];
  return opts.environments.map((env) => ({
    service: env,
    pull: 'authenticated',
    push: protectedEnvs.has(env) ? [opts.workerUser] : pushers,
  }));
}
