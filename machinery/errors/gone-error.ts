import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown by watch/list when the requested resourceVersion has been compacted. HTTP 410. */
export class GoneError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(410, 'Expired', message, opts);
    this.name = 'GoneError';
  }
}
