import { describe, expect, it } from 'vitest';
import { ExitCode, runCommand, type Command } from '../cmd/run-command.js';
import { captureDeps } from '../cmd/testing.js';
import { extractLogFlags, verbosityLevel } from './log-flags.js';
import type { Logger } from './logger.js';

describe('verbosityLevel (klog -v)', () => {
  it('maps 0-1 to info, 2-3 to debug, 4 and more to trace', () => {
    expect([0, 1, 2, 3, 4, 9].map(verbosityLevel)).toEqual([
      'info',
      'info',
      'debug',
      'debug',
      'trace',
      'trace',
    ]);
  });
});

describe('extractLogFlags', () => {
  it('takes every spelling out of argv and leaves the rest in order', () => {
    const r = extractLogFlags(['--port', '1', '-v', '2', '--log-format=text', '--x']);
    expect(r).toEqual({
      argv: ['--port', '1', '--x'],
      flags: { verbosity: 2, format: 'text' },
      problems: [],
    });
    expect(extractLogFlags(['--v=4']).flags.verbosity).toBe(4);
    expect(extractLogFlags(['-v3']).flags.verbosity).toBe(3);
    expect(extractLogFlags(['--v', '1', '--log-format', 'json']).flags).toEqual({
      verbosity: 1,
      format: 'json',
    });
    expect(extractLogFlags(['a', '--', '-v', '2']).argv).toEqual(['a', '--', '-v', '2']);
  });

  it('reports a bad verbosity or format', () => {
    const r = extractLogFlags(['-v', 'high', '--log-format=xml', '--v']);
    expect(r.problems.map((p) => p.flag)).toEqual(['--v', '--log-format', '--v']);
    expect(r.problems[1]?.message).toContain('json or text');
  });
});

describe('runCommand with the logging flags', () => {
  let seen: Logger | undefined;
  const cmd: Command<{ args: string[] }> = {
    name: 'demo',
    usage: 'Usage: demo [--x]\n',
    parse: (argv) => {
      const unknown = argv.find((a) => a !== '--x' && a !== '--help');
      if (unknown !== undefined) throw new TypeError(`unknown option ${unknown}`);
      return { opts: { args: argv }, help: argv.includes('--help') };
    },
    validate: () => [],
    run: (_o, deps) => {
      seen = deps.log;
      return Promise.resolve(ExitCode.Ok);
    },
  };

  it('mentions them in --help', async () => {
    const d = captureDeps();
    expect(await runCommand(cmd, ['--help'], d.deps)).toBe(ExitCode.Ok);
    expect(d.out.join('')).toContain('Usage: demo');
    expect(d.out.join('')).toMatch(/--log-format json\|text/);
    expect(d.out.join('')).toMatch(/-v, --v N/);
  });

  it('exits 2 for a bad value, and still for the binary own bad flags', async () => {
    const d = captureDeps();
    expect(await runCommand(cmd, ['--v', 'x'], d.deps)).toBe(ExitCode.Usage);
    expect(d.err.join('')).toContain('verbosity must be a whole number');
    const e = captureDeps();
    expect(await runCommand(cmd, ['-v', '2', '--nope'], e.deps)).toBe(ExitCode.Usage);
    expect(e.err.join('')).toContain('unknown option --nope');
  });

  it('hands the binary a logger at the level -v asks for', async () => {
    const d = captureDeps();
    expect(await runCommand(cmd, ['--x', '-v', '4', '--log-format', 'json'], d.deps)).toBe(0);
    expect(seen?.level).toBe('trace');
    expect(await runCommand(cmd, ['--x'], d.deps)).toBe(0);
    expect(seen?.level).toBe('info');
  });
});
