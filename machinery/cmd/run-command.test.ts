import { describe, expect, it } from 'vitest';
import type { OptionProblem } from './flags.js';
import { aborted, ExitCode, runCommand, type Command } from './run-command.js';
import { captureDeps } from './testing.js';
import { LOG_FLAGS_USAGE } from '../log/log-flags.js';

interface Opts {
  fail?: string;
  bad?: boolean;
}

function command(overrides: Partial<Command<Opts>> = {}): Command<Opts> {
  return {
    name: 'demo',
    usage: 'Usage: demo\n',
    parse: (argv) => {
      if (argv.includes('--nope')) throw new TypeError('unknown option --nope');
      return {
        opts: { ...(argv.includes('--bad') ? { bad: true } : {}) },
        help: argv.includes('--help'),
      };
    },
    validate: (o): OptionProblem[] =>
      o.bad
        ? [
            { flag: '--bad', message: 'one' },
            { flag: '--bad', message: 'two' },
          ]
        : [],
    run: async (_o, deps) => {
      deps.stdout('running\n');
      await aborted(deps.signal);
      return ExitCode.Ok;
    },
    ...overrides,
  };
}

describe('runCommand', () => {
  it('prints the usage for --help and exits 0', async () => {
    const d = captureDeps();
    expect(await runCommand(command(), ['--help'], d.deps)).toBe(ExitCode.Ok);
    expect(d.out.join('')).toBe(`Usage: demo\n${LOG_FLAGS_USAGE}`);
  });

  it('exits 2 for an unknown flag, with the usage', async () => {
    const d = captureDeps();
    expect(await runCommand(command(), ['--nope'], d.deps)).toBe(ExitCode.Usage);
    expect(d.err.join('')).toBe('demo: unknown option --nope\nUsage: demo\n');
  });

  it('exits 2 with every validation problem at once', async () => {
    const d = captureDeps();
    expect(await runCommand(command(), ['--bad'], d.deps)).toBe(ExitCode.Usage);
    expect(d.err.join('')).toBe('demo: invalid flags:\n  --bad: one\n  --bad: two\nUsage: demo\n');
    const e = captureDeps();
    const custom = command({ problemsText: (ps) => `${String(ps.length)} problems\n` });
    expect(await runCommand(custom, ['--bad'], e.deps)).toBe(ExitCode.Usage);
    expect(e.err.join('')).toBe('2 problems\n');
  });

  it('runs until the signal, and exits 1 when the run throws', async () => {
    const abort = new AbortController();
    const d = captureDeps(abort.signal);
    const code = runCommand(command(), [], d.deps);
    abort.abort();
    expect(await code).toBe(ExitCode.Ok);
    expect(d.out).toEqual(['running\n']);
    const f = captureDeps();
    const failing = command({ run: () => Promise.reject(new Error('etcd down')) });
    expect(await runCommand(failing, [], f.deps)).toBe(ExitCode.Failed);
    expect(f.err.join('')).toBe('demo: etcd down\n');
  });
});
