import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown when a verb is not supported on a resource. HTTP 405. */
export class MethodNotSupportedError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(405, 'MethodNotAllowed', message, opts);
    this.name = 'MethodNotSupportedError';
  }
}
