import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown for unexpected server-side failures (e.g. etcd unavailable). HTTP 500. */
export class InternalError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(500, 'InternalError', message, opts);
    this.name = 'InternalError';
  }
}
