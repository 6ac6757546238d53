/** Thrown by the OCI client for unexpected HTTP answers (status, registry error codes). */
export class RegistryHttpError extends Error {
  readonly status: number;
  readonly url: string;

  constructor(url: string, status: number, body: string) {
    super(`${url}: HTTP ${String(status)} ${body.slice(0, 200)}`);
    this.name = 'RegistryHttpError';
    this.status = status;
    this.url = url;
  }
}
