/** Structured logging: the pino-backed Logger, the log context, and the logging flags. */
export * from './logger.js';
export * from './log-context.js';
export * from './default-logger.js';
export * from './log-flags.js';
