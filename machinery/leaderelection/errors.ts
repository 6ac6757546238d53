/**
 * Thrown by `runLeaderElected` before it touches the API when its options are inconsistent
 * (client-go's NewLeaderElector checks). Not retryable: the same options fail the same way.
 */
export class LeaderElectionOptionsError extends Error {
  /** Every problem found, so one edit fixes them all. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid leader-election options: ${problems.join('; ')}`);
    this.name = 'LeaderElectionOptionsError';
    this.problems = problems;
  }
}

/**
 * The abort reason of the signal `runLeaderElected` gives `lead` when renewing the Lease did not
 * succeed within the renew deadline. Not retryable within the process: exit and let the restarted
 * process compete again.
 */
export class LeadershipLostError extends Error {
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  /** The identity that lost it. */
  readonly identity: string;

  constructor(lease: string, identity: string) {
    super(`${identity} lost leadership of lease ${lease}: renewal did not succeed in time`);
    this.name = 'LeadershipLostError';
    this.lease = lease;
    this.identity = identity;
  }
}
