import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown when the caller may not perform the action (e.g. self-approval). HTTP 403. */
export class ForbiddenError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(403, 'Forbidden', message, opts);
    this.name = 'ForbiddenError';
  }
}
