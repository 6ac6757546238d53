/**
 * authentication.k8s.io/v1 and authorization.k8s.io/v1 messages (k8s.io/api generated.proto
 * numbering): what `kubectl create token` and `kubectl auth can-i` post.
 */
import { withMeta } from './meta-schemas.js';
import type { Schema } from './schema.js';

const boundObjectReference: Schema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'apiVersion', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
};

const tokenRequestSpec: Schema = {
  1: { name: 'audiences', type: 'string', repeated: true },
  3: { name: 'boundObjectRef', type: () => boundObjectReference },
  4: { name: 'expirationSeconds', type: 'int', optional: true },
};

const resourceAttributes: Schema = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
};

const nonResourceAttributes: Schema = {
  1: { name: 'path', type: 'string' },
  2: { name: 'verb', type: 'string' },
};

const selfSubjectAccessReviewSpec: Schema = {
  1: { name: 'resourceAttributes', type: () => resourceAttributes },
  2: { name: 'nonResourceAttributes', type: () => nonResourceAttributes },
};

const subjectAccessReviewSpec: Schema = {
  ...selfSubjectAccessReviewSpec,
  3: { name: 'user', type: 'string' },
  4: { name: 'groups', type: 'string', repeated: true },
  5: { name: 'extra', type: 'stringList', map: true },
  6: { name: 'uid', type: 'string' },
};

const review = (spec: Schema): Schema =>
  withMeta({ 2: { name: 'spec', type: () => spec }, 3: { name: 'status', type: () => ({}) } });

/** Authentication and authorization kinds by `apiVersion/kind`. */
export const authSchemas: Record<string, Schema> = {
  'authentication.k8s.io/v1/TokenRequest': review(tokenRequestSpec),
  'authorization.k8s.io/v1/SelfSubjectAccessReview': review(selfSubjectAccessReviewSpec),
  'authorization.k8s.io/v1/SelfSubjectRulesReview': review({
    1: { name: 'namespace', type: 'string' },
  }),
  'authorization.k8s.io/v1/SubjectAccessReview': review(subjectAccessReviewSpec),
  'authorization.k8s.io/v1/LocalSubjectAccessReview': review(subjectAccessReviewSpec),
};
