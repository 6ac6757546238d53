import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown when a server-side operation timed out. HTTP 504. */
export class TimeoutError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(504, 'Timeout', message, opts);
    this.name = 'TimeoutError';
  }
}
