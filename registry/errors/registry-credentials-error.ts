/**
 * Thrown when a Registry's `spec.credentialsSecretRef` cannot be used: the Secret is missing, or
 * holds none of the supported keys (`username` + `password`, `token`, `.dockerconfigjson`). Not
 * retryable: the Secret must be fixed first.
 */
export class RegistryCredentialsError extends Error {
  readonly registry: string;
  readonly secret: string;
  readonly retryable = false;

  constructor(registry: string, secret: string, message: string, opts: { cause?: unknown } = {}) {
    super(`registry ${registry}: credentials Secret ${secret}: ${message}`, opts);
    this.name = 'RegistryCredentialsError';
    this.registry = registry;
    this.secret = secret;
  }
}
