/** Test helpers of the command runner: process dependencies that record what a command prints. */
import type { CommandDeps } from './run-command.js';

/** {@link CommandDeps} recording stdout and stderr, with the text written to each. */
export interface CapturedDeps {
  out: string[];
  err: string[];
  deps: CommandDeps;
}

/**
 * Dependencies for a command under test; the signal is already aborted unless one is given, so
 * a command that gets as far as running stops at once.
 */
export function captureDeps(signal: AbortSignal = AbortSignal.abort()): CapturedDeps {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    deps: {
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
      signal,
    },
  };
}
