/** Public API of the image promotion area. */
export * from './apis/registry-types.js';
export { OciClient, sha256, MANIFEST_TYPES, type Manifest } from './oci/oci-client.js';
export { copyImage, type CopyImageOptions, type CopyProgress } from './oci/copy-image.js';
export { Replicator, REPLICATOR_USER_AGENT, type ReplicatorOptions } from './jobs/replicator.js';
export {
  CopyQueue,
  COPY_QUEUE_NAME,
  copyJobId,
  type CopyJob,
  type RedisEndpoint,
} from './jobs/copy-queue.js';
export {
  PromotionController,
  type PromotionControllerOptions,
} from './controllers/promotion-controller.js';
export { approvalHandler } from './controllers/approval-handler.js';
export {
  credentialsFromSecret,
  ociClientForRegistry,
  registryCa,
  type RegistryCredentials,
} from './credentials/registry-clients.js';
export { globMatch, findPolicy, targetsFor } from './controllers/policy-match.js';
export {
  NotificationReceiver,
  MAX_NOTIFICATION_BYTES,
  notificationSecret,
  type NotificationReceiverOptions,
} from './notifications/notification-receiver.js';
export {
  runPromotionService,
  type ListenAddress,
  type PromotionServiceOptions,
  type RunningPromotionService,
} from './server/promotion-service.js';
export {
  runPromotionWorker,
  type PromotionWorkerOptions,
  type RunningPromotionWorker,
} from './server/promotion-worker.js';
export {
  FederationAuthenticator,
  type FederationEndpoint,
} from './auth/federation-authenticator.js';
export {
  promotionAccessRules,
  promotionRequesters,
  type PromotionAccessOptions,
} from './auth/promotion-access-rules.js';
export { createImageGate, ImageNotPromotedError } from './gating/image-gate.js';
export { RegistryHttpError } from './errors/registry-http-error.js';
export { DigestMismatchError } from './errors/digest-mismatch-error.js';
export { RegistryCredentialsError } from './errors/registry-credentials-error.js';
export {
  pushRandomImage,
  type RandomImage,
  type RandomImageOptions,
} from './testing/random-image.js';
export { PromotionRefusedError } from './errors/promotion-refused-error.js';
export { checkCopyAllowed, registryEndpoint, type AllowedCopy } from './jobs/copy-guard.js';
export {
  approvalAttributes,
  approverRole,
  effectiveApproval,
} from './controllers/approval-rules.js';
export {
  RegistryTokenIssuer,
  libtrustKeyId,
  type TokenAccess,
  type RegistryTokenIssuerOptions,
} from './auth/registry-token-issuer.js';
export {
  RegistryTokenServer,
  type RegistryAccessRule,
  type RegistryActors,
  type RegistryTokenServerOptions,
} from './auth/registry-token-server.js';
export {
  registryBootstrapPolicy,
  REGISTRY_CREDENTIALS_NAMESPACE,
  PROMOTION_SERVICE_USER,
  PROMOTION_SERVICE_ROLE,
} from './rbac/registry-bootstrap-policy.js';
