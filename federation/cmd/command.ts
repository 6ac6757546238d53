/** Exit codes, process dependencies and usage errors shared by the federation binaries. */
import type { OptionProblem } from '../server/option-checks.js';

/** Exit codes of the federation binaries. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** Process-level dependencies of a binary's run function. */
export interface CommandDeps {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Aborted on SIGINT/SIGTERM: the component shuts down gracefully and the run resolves. */
  signal: AbortSignal;
}

/** Resolves when `signal` aborts (at once when it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** The usage-error text: every problem, then the usage. */
export function problemsText(
  name: string,
  problems: readonly OptionProblem[],
  usage: string,
): string {
  return `${name}: invalid flags:\n${problems.map((p) => `  ${p.flag}: ${p.message}\n`).join('')}${usage}`;
}
