/**
 * The structured logger of every Flotilla component, backed by pino: one JSON object per line
 * (`level`, `time` in ISO 8601, `component`, `msg`, then the fields), or pino-pretty's
 * human-readable lines when writing to a terminal. pino-pretty runs in-process as a synchronous
 * stream, not as a worker-thread transport: lines are never lost when a binary calls
 * `process.exit`, and no thread is started per process.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { currentLogContext } from './log-context.js';

/** The levels, least to most severe (`silent` logs nothing). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Contextual fields of one line: `controller`, `key`, `cluster`, `requestId`, `latencyMs`... */
export type LogFields = Record<string, unknown>;

/** Output format: JSON lines, or human-readable text. */
export type LogFormat = 'json' | 'text';

/**
 * What components log through. `fields` become top-level keys of the JSON line; an Error given
 * instead of fields is logged as `err` (its message). Lines below `level` are dropped.
 */
export interface Logger {
  readonly level: LogLevel;
  trace(msg: string, fields?: LogFields | Error): void;
  debug(msg: string, fields?: LogFields | Error): void;
  info(msg: string, fields?: LogFields | Error): void;
  warn(msg: string, fields?: LogFields | Error): void;
  error(msg: string, fields?: LogFields | Error): void;
  /** True when a line at `level` would be written. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /** A logger adding `bindings` to every line; `level` raises (or lowers) its own level. */
  child(bindings: LogFields, level?: LogLevel): Logger;
}

/** Where lines go; `isTTY` picks text when no format is given. */
export interface LogDestination {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** The `component` field of every line (the binary's name). */
  component: string;
  /** @defaultValue info */
  level?: LogLevel;
  /** @defaultValue text when `destination.isTTY`, else json */
  format?: LogFormat;
  /** @defaultValue process.stdout */
  destination?: LogDestination;
  /** Overrides `destination.isTTY` (tests). */
  isTTY?: boolean;
}

const RANK: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  silent: Infinity,
};

function fieldsOf(fields: LogFields | Error | undefined): LogFields | undefined {
  if (fields instanceof Error) return { err: fields.message };
  return fields;
}

/** A {@link Logger} over one pino logger. */
function wrap(p: PinoLogger): Logger {
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: LogFields | Error): void => {
      const f = fieldsOf(fields);
      if (f) p[level](f, msg);
      else p[level](msg);
    };
  return {
    get level() {
      return p.level as LogLevel;
    },
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    enabled: (level) => p.isLevelEnabled(level),
    child: (bindings, level) => wrap(p.child(bindings, level ? { level } : {})),
  };
}

/** True when a line at `level` passes a logger set to `threshold`. */
export function levelEnabled(threshold: LogLevel, level: LogLevel): boolean {
  return RANK[level] >= RANK[threshold];
}

/**
 * The current log context without the keys the line already has (a child's bindings or the
 * call's fields), so that no key appears twice in one JSON object.
 */
function contextFields(merging: object, logger: PinoLogger): LogFields {
  const ctx = currentLogContext();
  if (!ctx) return {};
  const bound = logger.bindings();
  const out: LogFields = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (v !== undefined && !(k in bound) && !(k in merging)) out[k] = v;
  }
  return out;
}

/** A pino-backed {@link Logger} writing to `opts.destination` (stdout by default). */
export function createLogger(opts: LoggerOptions): Logger {
  const dest = opts.destination ?? process.stdout;
  const tty = opts.isTTY ?? dest.isTTY === true;
  const format = opts.format ?? (tty ? 'text' : 'json');
  const stream: DestinationStream =
    format === 'text'
      ? prettyStream({
          destination: dest as NodeJS.WritableStream,
          sync: true,
          colorize: tty,
          translateTime: 'SYS:HH:MM:ss.l',
          // one line per entry: `[12:00:01.234] INFO: component: msg {"key":"ns/a"}`
          singleLine: true,
          messageFormat: '{component}: {msg}',
          ignore: 'pid,hostname,component',
        })
      : { write: (s: string) => dest.write(s) };
  const p = pino(
    {
      level: opts.level ?? 'info',
      base: { component: opts.component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // the fields of the work under way (request, controller and key) on every line
      mixin: (merging, _level, logger) => contextFields(merging, logger),
    },
    stream,
  );
  return wrap(p);
}
