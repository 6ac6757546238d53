/**
 * Thrown by the {@link PodAddressAllocator} when every address of the node's pod CIDR is held by
 * a pod. Retryable: an address comes free when a pod is deleted, and the periodic resync tries
 * again; meanwhile the pod stays Pending.
 */
export class PodCidrExhaustedError extends Error {
  readonly podCidr: string;
  readonly retryable = true;

  constructor(podCidr: string) {
    super(`no free pod address left in the node's pod CIDR ${podCidr}`);
    this.name = 'PodCidrExhaustedError';
    this.podCidr = podCidr;
  }
}
