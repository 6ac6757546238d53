import type { Status } from '../meta.js';
import { ApiError, type ApiErrorOptions } from './api-error.js';
import { AlreadyExistsError } from './already-exists-error.js';
import { BadRequestError } from './bad-request-error.js';
import { ConflictError } from './conflict-error.js';
import { ForbiddenError } from './forbidden-error.js';
import { GoneError } from './gone-error.js';
import { InternalError } from './internal-error.js';
import { InvalidError } from './invalid-error.js';
import { MethodNotSupportedError } from './method-not-supported-error.js';
import { NotFoundError } from './not-found-error.js';
import { RequestEntityTooLargeError } from './request-entity-too-large-error.js';
import { TimeoutError } from './timeout-error.js';
import { TooManyRequestsError } from './too-many-requests-error.js';
import { UnauthorizedError } from './unauthorized-error.js';
import { UnsupportedMediaTypeError } from './unsupported-media-type-error.js';

/** Maps a `Status` body received from any Kubernetes-style server back to the typed error class. */
export function errorFromStatus(status: Partial<Status>, httpCode: number): ApiError {
  const message = status.message ?? `request failed with HTTP ${String(httpCode)}`;
  const opts: ApiErrorOptions = {};
  const d = status.details;
  if (d?.name !== undefined) opts.name = d.name;
  if (d?.kind !== undefined) opts.kind = d.kind;
  if (d?.group !== undefined) opts.group = d.group;
  if (d?.causes !== undefined) opts.causes = d.causes;
  if (d?.retryAfterSeconds !== undefined) opts.retryAfterSeconds = d.retryAfterSeconds;
  const code = status.code ?? httpCode;
  switch (status.reason) {
    case 'NotFound':
      return new NotFoundError(message, opts);
    case 'AlreadyExists':
      return new AlreadyExistsError(message, opts);
    case 'Conflict':
      return new ConflictError(message, opts);
    case 'Invalid':
      return new InvalidError(message, opts);
    case 'BadRequest':
      return new BadRequestError(message, opts);
    case 'Unauthorized':
      return new UnauthorizedError(message, opts);
    case 'Forbidden':
      return new ForbiddenError(message, opts);
    case 'MethodNotAllowed':
      return new MethodNotSupportedError(message, opts);
    case 'Expired':
    case 'Gone':
      return new GoneError(message, opts);
    case 'UnsupportedMediaType':
      return new UnsupportedMediaTypeError(message, opts);
    case 'TooManyRequests':
      return new TooManyRequestsError(message, opts);
    case 'RequestEntityTooLarge':
      return new RequestEntityTooLargeError(message, opts);
    case 'Timeout':
      return new TimeoutError(message, opts);
    case 'InternalError':
      return new InternalError(message, opts);
    default:
      break;
  }
  switch (code) {
    case 404:
      return new NotFoundError(message, opts);
    case 409:
      return new ConflictError(message, opts);
    case 410:
      return new GoneError(message, opts);
    case 422:
      return new InvalidError(message, opts);
    case 401:
      return new UnauthorizedError(message, opts);
    case 403:
      return new ForbiddenError(message, opts);
    case 400:
      return new BadRequestError(message, opts);
    default:
      return new ApiError(code, status.reason ?? 'Unknown', message, opts);
  }
}
