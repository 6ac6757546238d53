/**
 * The one command runner of every Flotilla binary (STYLE §18): argv → typed options → every
 * validation problem at once → run until SIGINT/SIGTERM → exit code.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { problemsText, type OptionProblem } from './flags.js';
import { setDefaultLogger } from '../log/default-logger.js';
import { extractLogFlags, LOG_FLAGS_USAGE, verbosityLevel } from '../log/log-flags.js';
import { createLogger, type Logger } from '../log/logger.js';

/** Exit codes of every binary: 0 done, 1 failed while running, 2 usage error. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** Process-level dependencies of a command's run function. */
export interface CommandDeps {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Aborted on SIGINT/SIGTERM: the component shuts down gracefully and the run resolves. */
  signal: AbortSignal;
  /**
   * The binary's logger. Given: used as is (tests). Otherwise {@link runCommand} builds it from
   * `--log-format` and `-v` (stdout) and makes it the process's default logger.
   */
  log?: Logger;
}

/** What {@link runCommand} needs of one binary. */
export interface Command<O> {
  /** Prefix of every message, e.g. `flotilla-federation-apiserver`. */
  name: string;
  /** Printed for `--help` (stdout) and after a usage error (stderr). */
  usage: string;
  /** argv → options. @throws TypeError for unknown or malformed flags (a usage error) */
  parse(argv: string[]): { opts: O; help: boolean };
  /** Every problem of the options (empty when valid). */
  validate(opts: O): OptionProblem[];
  /** Runs until `deps.signal` aborts; resolves to the exit code. */
  run(opts: O, deps: CommandDeps): Promise<number>;
  /** The usage-error text of `problems`; {@link problemsText} when omitted. */
  problemsText?: (problems: readonly OptionProblem[]) => string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * argv → options (unknown or malformed flag: exit 2) → `--help` (exit 0) → every validation
 * problem at once (exit 2) → run; an error escaping `run` is printed and exits 1. The logging
 * flags (`--log-format`, `-v`; machinery/log/log-flags.ts) are read here for every binary.
 */
export async function runCommand<O>(
  cmd: Command<O>,
  args: string[],
  deps: CommandDeps,
): Promise<number> {
  const logFlags = extractLogFlags(args);
  const argv = logFlags.argv;
  let parsed: { opts: O; help: boolean };
  try {
    parsed = cmd.parse(argv);
  } catch (err) {
    deps.stderr(`${cmd.name}: ${message(err)}\n${cmd.usage}`);
    return ExitCode.Usage;
  }
  if (parsed.help) {
    // every binary's --help lists the logging flags it takes through this runner
    deps.stdout(cmd.usage + LOG_FLAGS_USAGE);
    return ExitCode.Ok;
  }
  const problems = [...logFlags.problems, ...cmd.validate(parsed.opts)];
  if (problems.length > 0) {
    deps.stderr(cmd.problemsText?.(problems) ?? problemsText(cmd.name, problems, cmd.usage));
    return ExitCode.Usage;
  }
  let log = deps.log;
  if (log === undefined) {
    log = createLogger({
      component: cmd.name,
      level: verbosityLevel(logFlags.flags.verbosity),
      ...(logFlags.flags.format ? { format: logFlags.flags.format } : {}),
    });
    setDefaultLogger(log);
  }
  try {
    return await cmd.run(parsed.opts, { ...deps, log });
  } catch (err) {
    deps.stderr(`${cmd.name}: ${message(err)}\n`);
    return ExitCode.Failed;
  }
}

/** Resolves once `signal` aborts (at once when it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Process-level dependencies of the running binary: stdout, stderr, and a signal the first
 * SIGINT/SIGTERM aborts. A second signal while it shuts down exits 1 at once, as kube binaries do.
 */
export function processDeps(): CommandDeps {
  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (abort.signal.aborted) process.exit(ExitCode.Failed);
      abort.abort();
    });
  }
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    signal: abort.signal,
  };
}

/**
 * The thin `main` of a binary: runs `run` with {@link processDeps}, then exits with its code;
 * everything was stopped by then, so a library handle left open must not keep the process alive.
 */
export async function mainWith(
  run: (argv: string[], deps: CommandDeps) => Promise<number>,
): Promise<void> {
  const code = await run(process.argv.slice(2), processDeps());
  process.exit(code);
}

/** The thin `main` of a binary made of one {@link Command}. */
export function main<O>(cmd: Command<O>): Promise<void> {
  return mainWith((argv, deps) => runCommand(cmd, argv, deps));
}

/** True when `moduleUrl` is the script node was started with (also through a bin symlink). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}
