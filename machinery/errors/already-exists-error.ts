import { ApiError, type ApiErrorOptions } from './api-error.js';

/** Thrown by create when an object with the same name already exists. HTTP 409. */
export class AlreadyExistsError extends ApiError {
  constructor(message: string, opts: ApiErrorOptions = {}) {
    super(409, 'AlreadyExists', message, opts);
    this.name = 'AlreadyExistsError';
  }
}
