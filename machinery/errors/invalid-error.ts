import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown when an object fails validation; `causes` name the offending fields. HTTP 422. */
export class InvalidError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(422, 'Invalid', message, opts);
    this.name = 'InvalidError';
  }
}
