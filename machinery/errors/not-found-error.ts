import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown when the requested object (or resource type) does not exist. HTTP 404. */
export class NotFoundError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(404, 'NotFound', message, opts);
    this.name = 'NotFoundError';
  }
}
