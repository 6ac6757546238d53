/**
 * authentication.k8s.io/v1 and authorization.k8s.io/v1 messages (k8s.io/api generated.proto
 * numbering): what `kubectl create token` and `kubectl auth can-i` post.
 */
import { kindMessage, specField, statusField } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const N = 'io.k8s.api.authentication.v1.';
const Z = 'io.k8s.api.authorization.v1.';

const boundObjectReference: Schema = message(
  { name: 'io.k8s.api.authentication.v1.BoundObjectReference' },
  {
    1: { name: 'kind', type: 'string' },
    2: { name: 'apiVersion', type: 'string' },
    3: { name: 'name', type: 'string' },
    4: { name: 'uid', type: 'string' },
  },
);

const tokenRequestSpec: Schema = message(
  { name: 'io.k8s.api.authentication.v1.TokenRequestSpec' },
  {
    1: { name: 'audiences', type: 'string', repeated: true },
    3: { name: 'boundObjectRef', type: () => boundObjectReference },
    4: { name: 'expirationSeconds', type: 'int', optional: true },
  },
);

const resourceAttributes: Schema = message(
  { name: 'io.k8s.api.authorization.v1.ResourceAttributes', open: true },
  {
    1: { name: 'namespace', type: 'string' },
    2: { name: 'verb', type: 'string' },
    3: { name: 'group', type: 'string' },
    4: { name: 'version', type: 'string' },
    5: { name: 'resource', type: 'string' },
    6: { name: 'subresource', type: 'string' },
    7: { name: 'name', type: 'string' },
  },
);

const nonResourceAttributes: Schema = message(
  { name: 'io.k8s.api.authorization.v1.NonResourceAttributes' },
  {
    1: { name: 'path', type: 'string' },
    2: { name: 'verb', type: 'string' },
  },
);

const selfSubjectAccessReviewSpec: Schema = message(
  { name: 'io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec' },
  {
    1: { name: 'resourceAttributes', type: () => resourceAttributes },
    2: { name: 'nonResourceAttributes', type: () => nonResourceAttributes },
  },
);

const subjectAccessReviewSpec: Schema = message(
  { name: 'io.k8s.api.authorization.v1.SubjectAccessReviewSpec' },
  {
    ...selfSubjectAccessReviewSpec,
    3: { name: 'user', type: 'string' },
    4: { name: 'groups', type: 'string', repeated: true },
    5: { name: 'extra', type: 'stringList', map: true },
    6: { name: 'uid', type: 'string' },
  },
);

const review = (name: string, description: string, spec: Schema): Schema =>
  kindMessage(name, description, { 2: specField(() => spec), 3: statusField(() => ({})) });

/** Authentication and authorization kinds by `apiVersion/kind`. */
export const authSchemas: Record<string, Schema> = {
  'authentication.k8s.io/v1/TokenRequest': review(
    N + 'TokenRequest',
    'Asks for a token for a service account.',
    tokenRequestSpec,
  ),
  'authorization.k8s.io/v1/SelfSubjectAccessReview': review(
    Z + 'SelfSubjectAccessReview',
    'Asks whether the current user may perform an action.',
    selfSubjectAccessReviewSpec,
  ),
  'authorization.k8s.io/v1/SelfSubjectRulesReview': review(
    Z + 'SelfSubjectRulesReview',
    'Lists the actions the current user may perform in a namespace.',
    message(
      { name: Z + 'SelfSubjectRulesReviewSpec' },
      { 1: { name: 'namespace', type: 'string' } },
    ),
  ),
  'authorization.k8s.io/v1/SubjectAccessReview': review(
    Z + 'SubjectAccessReview',
    'Asks whether a given user may perform an action.',
    subjectAccessReviewSpec,
  ),
  'authorization.k8s.io/v1/LocalSubjectAccessReview': review(
    Z + 'LocalSubjectAccessReview',
    'Asks whether a given user may perform an action in one namespace.',
    subjectAccessReviewSpec,
  ),
};
