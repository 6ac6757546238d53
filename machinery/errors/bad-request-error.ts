import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown for malformed requests: bad JSON, bad selectors, wrong kind for the URL. HTTP 400. */
export class BadRequestError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(400, 'BadRequest', message, opts);
    this.name = 'BadRequestError';
  }
}
