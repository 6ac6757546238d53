import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown when the server is overloaded and the client should retry later. HTTP 429. */
export class TooManyRequestsError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(429, 'TooManyRequests', message, opts);
    this.name = 'TooManyRequestsError';
  }
}
