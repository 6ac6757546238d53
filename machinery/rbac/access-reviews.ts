/**
 * `authorization.k8s.io/v1` SelfSubjectAccessReview, SelfSubjectRulesReview and SubjectAccessReview:
 * create-only kinds answered from the RBAC authorizer and never stored. They back
 * `kubectl auth can-i VERB RESOURCE` and `kubectl auth can-i --list`.
 */
import { nonResourceAttributes } from '../auth/request-attributes.js';
import type { Context } from 'koa';
import type { KubeObject } from '../meta.js';
import type { AuthorizationAttributes } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user-info.js';
import { BadRequestError } from '../errors/index.js';
import type { ResourceType } from '../resource-type.js';
import type { RbacAuthorizer } from './rbac-authorizer.js';
import type { PolicyRule } from './rbac-types.js';

/** The authorization API group. */
export const AUTHORIZATION_GROUP = 'authorization.k8s.io';

const reviewType = (kind: string, plural: string): ResourceType => ({
  group: AUTHORIZATION_GROUP,
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced: false,
});

/** The review kinds, for discovery (kubectl maps `can-i` through it). */
export const accessReviewTypes: ResourceType[] = [
  reviewType('SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  reviewType('SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  reviewType('SubjectAccessReview', 'subjectaccessreviews'),
];

/** authorization/v1 ResourceAttributes. */
interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/** authorization/v1 SubjectAccessReviewSpec (Self* kinds use the attribute fields only). */
interface ReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  namespace?: string;
}

function attributesOf(user: UserInfo, spec: ReviewSpec): AuthorizationAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user,
      verb: r.verb ?? '',
      resourceRequest: true,
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
      path: '',
    };
  }
  const n = spec.nonResourceAttributes;
  if (!n) {
    throw new BadRequestError('spec.resourceAttributes or spec.nonResourceAttributes is required');
  }
  return nonResourceAttributes(user, n.verb ?? '', n.path ?? '');
}

function reviewBody(body: unknown, kind: string): KubeObject & { spec: ReviewSpec } {
  const obj = body as (KubeObject & { spec?: ReviewSpec }) | undefined;
  if (!obj || typeof obj !== 'object' || !obj.spec || typeof obj.spec !== 'object') {
    throw new BadRequestError(`${kind}: spec is required`);
  }
  return { ...obj, apiVersion: `${AUTHORIZATION_GROUP}/v1`, kind, spec: obj.spec };
}

/** The resource and non-resource rules of a rules review, in the authorization/v1 shape. */
function rulesStatus(rules: readonly PolicyRule[]): Record<string, unknown> {
  const resourceRules = rules
    .filter((r) => r.nonResourceURLs === undefined || r.nonResourceURLs.length === 0)
    .map((r) => ({
      verbs: r.verbs,
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      ...(r.resourceNames && r.resourceNames.length > 0 ? { resourceNames: r.resourceNames } : {}),
    }));
  const nonResourceRules = rules
    .filter((r) => (r.nonResourceURLs ?? []).length > 0)
    .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
  return { resourceRules, nonResourceRules, incomplete: false };
}

/** Reads and parses a JSON/YAML request body (the server's routes get the raw request). */
export type BodyReader = (ctx: Context) => Promise<unknown>;

/** Route handlers for the three review kinds, keyed by their collection path. */
export function accessReviewRoutes(
  authorizer: RbacAuthorizer,
  readBody: BodyReader,
): Record<string, (ctx: Context) => Promise<void>> {
  const base = `/apis/${AUTHORIZATION_GROUP}/v1`;
  const respond = (ctx: Context, obj: unknown): void => {
    ctx.status = 201;
    ctx.type = 'application/json';
    ctx.body = obj;
  };
  const parse = async (ctx: Context, kind: string): Promise<KubeObject & { spec: ReviewSpec }> => {
    return reviewBody(await readBody(ctx), kind);
  };
  const userOf = (ctx: Context): UserInfo => ctx.state.userInfo as UserInfo;
  return {
    [`${base}/selfsubjectaccessreviews`]: async (ctx) => {
      const review = await parse(ctx, 'SelfSubjectAccessReview');
      const d = await authorizer.authorize(attributesOf(userOf(ctx), review.spec));
      respond(ctx, { ...review, status: { allowed: d.allowed, reason: d.reason ?? '' } });
    },
    [`${base}/selfsubjectrulesreviews`]: async (ctx) => {
      const review = await parse(ctx, 'SelfSubjectRulesReview');
      await authorizer.cache.synced();
      const rules = authorizer.rulesFor(userOf(ctx), review.spec.namespace ?? '');
      respond(ctx, { ...review, status: rulesStatus(rules) });
    },
    [`${base}/subjectaccessreviews`]: async (ctx) => {
      const review = await parse(ctx, 'SubjectAccessReview');
      const s = review.spec;
      if (!s.user && (s.groups ?? []).length === 0) {
        throw new BadRequestError('SubjectAccessReview: spec.user or spec.groups is required');
      }
      // as in Kubernetes, the groups are taken as given (system:authenticated is not added)
      const subject: UserInfo = {
        name: s.user ?? '',
        groups: s.groups ?? [],
        ...(s.uid !== undefined ? { uid: s.uid } : {}),
      };
      const d = await authorizer.authorize(attributesOf(subject, s));
      respond(ctx, { ...review, status: { allowed: d.allowed, reason: d.reason ?? '' } });
    },
  };
}
