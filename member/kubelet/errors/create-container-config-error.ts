/**
 * Thrown by the `ContainerEnvResolver` when a container's configuration cannot be built (a
 * required ConfigMap, Secret or key is missing). The kubelet shows it as the waiting reason
 * `CreateContainerConfigError` and retries on later syncs, as Kubernetes does.
 */
export class CreateContainerConfigError extends Error {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;

  constructor(namespace: string, pod: string, container: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause });
    this.name = 'CreateContainerConfigError';
    this.namespace = namespace;
    this.pod = pod;
    this.container = container;
  }
}
