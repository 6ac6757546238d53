/** Typed CLI errors: {@link UsageError} (exit 2) and {@link CliError} (exit 1). */
export { UsageError } from './usage-error.js';
export { CliError } from './cli-error.js';
