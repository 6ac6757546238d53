/**
 * A usage mistake: unknown command or flag, missing argument, bad flag value.
 * Thrown by argument parsing and commands; `runCli` prints it and exits with code 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
