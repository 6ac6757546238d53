import type { Status, StatusCause } from '../meta.js';

/** Options shared by every {@link ApiError}. */
export interface ApiErrorOptions {
  /** Kind of the object concerned, e.g. `Deployment`. */
  kind?: string;
  /** API group of the object concerned ('' for core). */
  group?: string;
  /** Name of the object concerned. */
  name?: string;
  /** Field-level causes (422 Invalid). */
  causes?: StatusCause[];
  /** Seconds a client should wait before retrying. */
  retryAfterSeconds?: number;
  /** Underlying error. */
  cause?: unknown;
}

/**
 * Base class of every error that maps to a Kubernetes `Status` response.
 * Thrown by storage, validation and the REST client; the API server turns it into a Status body
 * in one middleware, and the REST client turns a Status body back into the same class.
 */
export class ApiError extends Error {
  /** HTTP status code. */
  readonly code: number;
  /** Status `reason` (NotFound, AlreadyExists, Conflict, Invalid, ...). */
  readonly reason: string;
  readonly kind: string | undefined;
  readonly group: string | undefined;
  readonly objectName: string | undefined;
  readonly causes: StatusCause[];
  readonly retryAfterSeconds: number | undefined;

  constructor(code: number, reason: string, message: string, opts: ApiErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.kind = opts.kind;
    this.group = opts.group;
    this.objectName = opts.name;
    this.causes = opts.causes ?? [];
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  /** The Kubernetes `Status` body for this error. */
  toStatus(): Status {
    const details: NonNullable<Status['details']> = {};
    if (this.objectName !== undefined) details.name = this.objectName;
    if (this.group !== undefined) details.group = this.group;
    if (this.kind !== undefined) details.kind = this.kind;
    if (this.causes.length > 0) details.causes = this.causes;
    if (this.retryAfterSeconds !== undefined) details.retryAfterSeconds = this.retryAfterSeconds;
    const status: Status = {
      apiVersion: 'v1',
      kind: 'Status',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (Object.keys(details).length > 0) status.details = details;
    return status;
  }
}
