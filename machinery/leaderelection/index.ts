/** Leader election on a coordination.k8s.io/v1 Lease (client-go's leaderelection package). */
export { runLeaderElected } from './leader-elector.js';
export {
  resolveLeaderElectionOptions,
  validateLeaderElectionOptions,
  type LeaderElectionOptions,
  type ResolvedLeaderElectionOptions,
} from './options.js';
export { leaderElectionIdentity } from './identity.js';
export { LeaderElectionOptionsError, LeadershipLostError } from './errors.js';
export type { LeaderElectionRecord, LeaseSpec } from './lease-lock.js';
