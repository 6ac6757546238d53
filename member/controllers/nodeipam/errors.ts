/**
 * Thrown by {@link CidrSet.allocateNext} when every node CIDR of the cluster CIDR is taken. Not
 * retryable by itself: the controller records `CIDRNotAvailable` on the Node and tries again
 * when a Node is deleted and its CIDR released.
 */
export class CidrSetExhaustedError extends Error {
  readonly clusterCidr: string;
  readonly retryable = false;

  constructor(clusterCidr: string, nodeCidrMaskSize: number) {
    super(
      `no /${String(nodeCidrMaskSize)} left in cluster CIDR ${clusterCidr}: every node CIDR is allocated`,
    );
    this.name = 'CidrSetExhaustedError';
    this.clusterCidr = clusterCidr;
  }
}

/**
 * Thrown by {@link CidrSet.occupy} for a CIDR that is not one of the set's node CIDRs (outside
 * the cluster CIDR, or of another size): an existing Node's podCIDR the controller cannot track.
 */
export class CidrOutOfRangeError extends Error {
  readonly cidr: string;
  readonly retryable = false;

  constructor(cidr: string, clusterCidr: string, nodeCidrMaskSize: number) {
    super(`${cidr} is not a /${String(nodeCidrMaskSize)} inside cluster CIDR ${clusterCidr}`);
    this.name = 'CidrOutOfRangeError';
    this.cidr = cidr;
  }
}
