/**
 * Thrown when a custom resource is to be written into a member whose copy of its
 * CustomResourceDefinition is missing or not yet Established (the member does not serve the kind
 * yet). Retried with back-off: the CRD is placed there first and is established in moments.
 */
export class CrdNotEstablishedError extends Error {
  /** The member cluster. */
  readonly cluster: string;
  /** Name of the CustomResourceDefinition. */
  readonly crd: string;
  /** Always retried (see the class doc). */
  readonly retryable = true;

  constructor(cluster: string, crd: string) {
    super(`CustomResourceDefinition ${crd} is not yet Established in cluster ${cluster}`);
    this.name = 'CrdNotEstablishedError';
    this.cluster = cluster;
    this.crd = crd;
  }
}
