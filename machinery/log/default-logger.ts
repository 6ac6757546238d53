/**
 * The process's logger: what components log through when no logger was passed to their
 * constructor (STYLE §6). The command runner (machinery/cmd) replaces it with the one built from
 * `--log-format` and `-v`; before that (library use, tests) it writes JSON lines at info to stdout.
 */
import { basename } from 'node:path';
import { createLogger, type Logger } from './logger.js';

let current: Logger | undefined;

/** The process's logger. */
export function defaultLogger(): Logger {
  current ??= createLogger({ component: basename(process.argv[1] ?? 'flotilla', '.js') });
  return current;
}

/** Makes `logger` the process's logger (the command runner does, once flags are parsed). */
export function setDefaultLogger(logger: Logger): void {
  current = logger;
}

/**
 * A child of the process's logger named `name` (the `logger` field). A `quiet` one only writes
 * warnings and errors unless the process logs at debug or finer (`-v 2`): the components' former
 * `--verbose`-only lines then show too.
 */
export function namedLogger(name: string, quiet = false): Logger {
  const root = defaultLogger();
  if (!quiet || root.enabled('debug') || !root.enabled('warn')) return root.child({ logger: name });
  return root.child({ logger: name }, 'warn');
}
