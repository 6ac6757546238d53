export { MemberCleanupPendingError } from './member-cleanup-pending-error.js';
export { MemberUnavailableError } from './member-unavailable-error.js';
