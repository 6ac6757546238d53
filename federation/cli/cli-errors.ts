/** A usage mistake (unknown command, missing argument): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An expected failure to report without a stack trace (unreachable member, bad file): exit code 1. */
export class CliError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'CliError';
  }
}
