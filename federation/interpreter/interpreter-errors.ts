/**
 * Errors of the resource interpreter. A customization's rule that fails is a user error: the
 * same object fails the same way until the ResourceInterpreterCustomization (or the object) is
 * changed, so it is never retried with back-off; the propagation controller reports it on the
 * ResourceBinding's Scheduled condition and in an event, and the change of either brings the
 * template back.
 */

/** The interpreter operation a rule implements (Karmada's names). */
export type InterpreterOperation = 'InterpretReplica' | 'ReviseReplica' | 'AggregateStatus';

/**
 * Thrown when a ResourceInterpreterCustomization's rule cannot be applied to an object: a path
 * holds no value or a value of the wrong type (a replica count that is not a non-negative
 * integer, a summed field that is not a number), or a revised field cannot be written. Not
 * retryable (see the module doc).
 */
export class InterpreterRuleError extends Error {
  /** The ResourceInterpreterCustomization whose rule failed. */
  readonly customization: string;
  /** Which of its rules. */
  readonly operation: InterpreterOperation;
  /** What went wrong, naming the path. */
  readonly detail: string;
  /** Never retried: the same input fails the same way. */
  readonly retryable = false;

  constructor(
    customization: string,
    operation: InterpreterOperation,
    detail: string,
    opts: { cause?: unknown } = {},
  ) {
    super(
      `ResourceInterpreterCustomization ${customization}: ${operation} failed: ${detail}`,
      opts,
    );
    this.name = 'InterpreterRuleError';
    this.customization = customization;
    this.operation = operation;
    this.detail = detail;
  }
}

/**
 * Thrown when a field path is not in the grammar of {@link parseFieldPath}; the API server refuses
 * such a customization (422), so the interpreter meets it only for objects stored before. Not
 * retryable: the same path fails the same way.
 */
export class FieldPathSyntaxError extends Error {
  /** The path as written. */
  readonly path: string;
  /** Where in it parsing stopped (0-based). */
  readonly position: number;
  /** Never retried. */
  readonly retryable = false;

  constructor(path: string, position: number, problem: string) {
    super(`invalid path ${JSON.stringify(path)} at ${position}: ${problem}`);
    this.name = 'FieldPathSyntaxError';
    this.path = path;
    this.position = position;
  }
}
