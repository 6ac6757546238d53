/**
 * The logging flags every binary takes, read by the command runner before the binary's own
 * flags: `--log-format json|text` and klog's verbosity `-v N` / `--v N` (0 = info, 2+ = debug,
 * 4+ = trace). They are taken out of argv here so that no binary has to know them.
 */
import type { OptionProblem } from '../cmd/flags.js';
import type { LogFormat, LogLevel } from './logger.js';

/** The logging flags. */
export interface LogFlags {
  /** Undefined: text on a terminal, JSON otherwise. */
  format?: LogFormat;
  /** @defaultValue 0 */
  verbosity: number;
}

/** The `--help` text of the logging flags, appended to every binary's usage. */
export const LOG_FLAGS_USAGE = `
Logging flags (every binary):
  --log-format json|text   JSON lines (default), or human-readable text (default on a terminal)
  -v, --v N                log verbosity: 0 info (default), 2 debug (one line per API request,
                           per reconcile), 4 trace
`;

const VALUE_FLAGS = new Map([
  ['-v', 'v'],
  ['--v', 'v'],
  ['--log-format', 'log-format'],
]);

/** The pino level of a klog verbosity. */
export function verbosityLevel(v: number): LogLevel {
  return v >= 4 ? 'trace' : v >= 2 ? 'debug' : 'info';
}

/**
 * Takes the logging flags out of `argv` (everything after `--` stays): `-v 2`, `-v=2`, `-v2`,
 * `--v 2`, `--v=2`, `--log-format text`, `--log-format=text`. Returns the other arguments, the
 * flags, and every problem (an unknown format, a verbosity that is not a whole number >= 0).
 */
export function extractLogFlags(argv: readonly string[]): {
  argv: string[];
  flags: LogFlags;
  problems: OptionProblem[];
} {
  const rest: string[] = [];
  const flags: LogFlags = { verbosity: 0 };
  const problems: OptionProblem[] = [];
  const set = (name: string, value: string | undefined): void => {
    if (name === 'v') {
      if (value === undefined || !/^\d+$/.test(value)) {
        problems.push({
          flag: '--v',
          message: `the verbosity must be a whole number >= 0, got "${value ?? ''}"`,
        });
      } else flags.verbosity = Number(value);
    } else if (value === 'json' || value === 'text') {
      flags.format = value;
    } else {
      problems.push({
        flag: '--log-format',
        message: `the log format must be json or text, got "${value ?? ''}"`,
      });
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = a.indexOf('=');
    const head = eq > 0 ? a.slice(0, eq) : a;
    const name = VALUE_FLAGS.get(head);
    if (name !== undefined) {
      set(name, eq > 0 ? a.slice(eq + 1) : argv[++i]);
    } else if (/^-v\d+$/.test(a)) {
      set('v', a.slice(2));
    } else rest.push(a);
  }
  return { argv: rest, flags, problems };
}
