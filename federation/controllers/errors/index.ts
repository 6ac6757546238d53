export { MemberCleanupPendingError } from './member-cleanup-pending-error.js';
export { MemberUnavailableError } from './member-unavailable-error.js';
export { CustomResourcesPendingError } from './custom-resources-pending-error.js';
export { CrdNotEstablishedError } from './crd-not-established-error.js';
