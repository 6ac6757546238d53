/** Thrown when an upstream DNS server times out, refuses, or its circuit is open. */
export class UpstreamError extends Error {
  readonly server: string;

  constructor(server: string, reason: string) {
    super(`upstream ${server}: ${reason}`);
    this.name = 'UpstreamError';
    this.server = server;
  }
}
