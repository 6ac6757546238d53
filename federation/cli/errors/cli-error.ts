/**
 * An expected failure reported without a stack trace: unreachable member, missing or invalid
 * manifest file, unknown resource type, duplicate join. `runCli` prints it and exits with code 1.
 */
export class CliError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'CliError';
  }
}
