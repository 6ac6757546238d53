/** Public API of the image promotion area. */
export * from './apis/registry-types.js';
export { OciClient, sha256, MANIFEST_TYPES, type Manifest } from './oci/oci-client.js';
export { copyImage, type CopyImageOptions, type CopyProgress } from './oci/copy-image.js';
export { Replicator, REPLICATOR_USER_AGENT } from './jobs/replicator.js';
export { PromotionController } from './controllers/promotion-controller.js';
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
  type NotificationReceiverOptions,
} from './notifications/notification-receiver.js';
export { PromotionService, type PromotionServiceOptions } from './server/promotion-service.js';
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
