import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown for a PATCH content type the server does not support. HTTP 415. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(415, 'UnsupportedMediaType', message, opts);
    this.name = 'UnsupportedMediaTypeError';
  }
}
