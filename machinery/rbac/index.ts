/** RBAC authorization (rbac.authorization.k8s.io/v1) and access reviews (authorization.k8s.io/v1). */
export * from './rbac-types.js';
export * from './policy-rules.js';
export * from './bootstrap-policy.js';
export { Rbac, type RbacOptions } from './rbac.js';
export { RbacAuthorizer, isMaster } from './rbac-authorizer.js';
export { RbacCache, type RbacCacheOptions } from './rbac-cache.js';
export { rbacResourceTypes, baseRbacTypes, type RbacKind } from './rbac-resource-types.js';
export { accessReviewTypes, AUTHORIZATION_GROUP } from './access-reviews.js';
export { aggregatedRules } from './cluster-role-aggregation-controller.js';
