import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runWithLogContext, currentRequestId } from './log-context.js';
import { createLogger, type LogDestination, type LoggerOptions } from './logger.js';

/** A logger writing into an array of lines. */
function memory(opts: Partial<LoggerOptions> = {}): { lines: string[]; json: () => unknown[] } & {
  log: ReturnType<typeof createLogger>;
} {
  const lines: string[] = [];
  const destination: LogDestination = { write: (s: string) => lines.push(s) };
  const log = createLogger({ component: 'demo', destination, ...opts });
  return {
    lines,
    log,
    json: () => lines.map((l) => JSON.parse(l) as unknown),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line: level, ISO time, component, msg and the fields', () => {
    const m = memory();
    m.log.info('reconciled', { key: 'ns/a', latencyMs: 3 });
    expect(m.lines).toHaveLength(1);
    expect(m.lines[0]?.endsWith('\n')).toBe(true);
    const line = m.json()[0] as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      component: 'demo',
      msg: 'reconciled',
      key: 'ns/a',
      latencyMs: 3,
    });
    expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).not.toHaveProperty('pid');
    expect(line).not.toHaveProperty('hostname');
  });

  it('drops lines below its level (info by default)', () => {
    const m = memory();
    m.log.debug('hidden');
    m.log.trace('hidden');
    m.log.warn('shown');
    m.log.error('shown too');
    expect(m.json().map((l) => (l as { level: string }).level)).toEqual(['warn', 'error']);
    expect(m.log.enabled('debug')).toBe(false);
    const d = memory({ level: 'debug' });
    d.log.debug('now shown');
    d.log.trace('still hidden');
    expect(d.lines).toHaveLength(1);
  });

  it('child loggers add their bindings and may have their own level', () => {
    const m = memory({ level: 'debug' });
    const c = m.log.child({ controller: 'demo-controller' }, 'warn');
    c.info('hidden');
    c.warn('failed', new Error('boom'));
    expect(m.json()).toEqual([
      expect.objectContaining({ controller: 'demo-controller', err: 'boom', msg: 'failed' }),
    ]);
  });

  it('adds the log context (request, controller, key) without repeating a key', () => {
    const m = memory();
    const c = m.log.child({ controller: 'x' });
    runWithLogContext({ requestId: 'req-1', controller: 'x', key: 'ns/a' }, () => {
      expect(currentRequestId()).toBe('req-1');
      c.info('inside');
      c.info('explicit', { requestId: 'req-2' });
    });
    c.info('outside');
    expect(m.lines[0]?.match(/"controller"/g)).toHaveLength(1);
    expect(m.json()).toEqual([
      expect.objectContaining({ requestId: 'req-1', key: 'ns/a', msg: 'inside' }),
      expect.objectContaining({ requestId: 'req-2', msg: 'explicit' }),
      expect.not.objectContaining({ requestId: expect.anything() as unknown }),
    ]);
    expect(currentRequestId()).toBeUndefined();
  });

  it('writes human-readable text on a terminal (isTTY) or with format text', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (d: Buffer) => chunks.push(d.toString()));
    createLogger({ component: 'demo', destination: out, isTTY: true }).warn('slow request', {
      latencyMs: 1200,
    });
    createLogger({ component: 'demo', destination: out, format: 'text' }).info('plain');
    const text = chunks.join('');
    expect(text).toContain('slow request');
    expect(text).toContain('latencyMs');
    // the terminal gets colours, the explicit text format on a non-terminal does not
    expect(text).toContain('\u001b[');
    expect(text).toMatch(/INFO: demo: plain/);
    expect(() => {
      for (const l of text.trim().split('\n')) JSON.parse(l);
    }).toThrow();
  });

  it('writes JSON even on a terminal with format json', () => {
    const m = memory({ isTTY: true, format: 'json' });
    m.log.info('x');
    expect(m.json()[0]).toMatchObject({ msg: 'x', level: 'info' });
  });
});
