import { ApiError, type ApiErrorOptions } from './api-error.js';

/**
 * Thrown when a request body exceeds the server's limit (3 MiB, like kube-apiserver); the body is
 * not read further. Not retryable: the same request fails the same way. HTTP 413.
 */
export class RequestEntityTooLargeError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(413, 'RequestEntityTooLarge', message, opts);
    this.name = 'RequestEntityTooLargeError';
  }
}
