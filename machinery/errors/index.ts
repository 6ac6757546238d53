/** Typed API errors; each maps to one Kubernetes `Status` reason. */
export { ApiError, type ApiErrorOptions } from './api-error.js';
export { NotFoundError } from './not-found-error.js';
export { AlreadyExistsError } from './already-exists-error.js';
export { ConflictError } from './conflict-error.js';
export { InvalidError } from './invalid-error.js';
export { BadRequestError } from './bad-request-error.js';
export { UnauthorizedError } from './unauthorized-error.js';
export { ForbiddenError } from './forbidden-error.js';
export { MethodNotSupportedError } from './method-not-supported-error.js';
export { GoneError } from './gone-error.js';
export { UnsupportedMediaTypeError } from './unsupported-media-type-error.js';
export { TooManyRequestsError } from './too-many-requests-error.js';
export { RequestEntityTooLargeError } from './request-entity-too-large-error.js';
export { InternalError } from './internal-error.js';
export { TimeoutError } from './timeout-error.js';
export { errorFromStatus } from './error-from-status.js';
