/**
 * Thrown by the propagation controller's reconcile of a deleted CustomResourceDefinition while
 * custom resources of its kind are still at the federation: they leave the members first (their
 * own cleanup), the CRD last. The CRD keeps its finalizer and the key is retried with back-off.
 */
export class CustomResourcesPendingError extends Error {
  /** Name of the CustomResourceDefinition. */
  readonly crd: string;
  /** How many of its custom resources are left. */
  readonly remaining: number;
  /** Always retried: the federation deletes them (the CRD's own cleanup finalizer). */
  readonly retryable = true;

  constructor(crd: string, remaining: number) {
    super(
      `CustomResourceDefinition ${crd}: ${String(remaining)} custom resource(s) still to be removed from the members first`,
    );
    this.name = 'CustomResourcesPendingError';
    this.crd = crd;
    this.remaining = remaining;
  }
}
