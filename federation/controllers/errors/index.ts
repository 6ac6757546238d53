export { MemberCleanupPendingError } from './member-cleanup-pending-error.js';
