import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown when a request carries no valid credentials. HTTP 401. */
export class UnauthorizedError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(401, 'Unauthorized', message, opts);
    this.name = 'UnauthorizedError';
  }
}
