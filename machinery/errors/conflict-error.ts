import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown by update/delete when the given resourceVersion or precondition is stale. HTTP 409. */
export class ConflictError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(409, 'Conflict', message, opts);
    this.name = 'ConflictError';
  }
}
