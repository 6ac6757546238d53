import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/index.js';
import { parseClusterList } from '../cluster-proxy-client.js';
import { execQuery, exitCodeOf } from './exec.js';
import { parseSince } from './logs.js';

describe('exitCodeOf', () => {
  it('reads the exit code from the error channel Status', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toBe(3);
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'x' })).toBe(
      undefined,
    );
  });
});

describe('execQuery', () => {
  it('repeats command and merges stderr into a terminal', () => {
    expect(execQuery(['sh', '-c', 'ls'], { stdin: false, tty: false }).toString()).toBe(
      'command=sh&command=-c&command=ls&stdout=true&stderr=true',
    );
    expect(execQuery(['sh'], { container: 'c', stdin: true, tty: true }).toString()).toBe(
      'command=sh&container=c&stdout=true&stderr=false&stdin=true&tty=true',
    );
  });
});

describe('parseSince', () => {
  it('reads kubectl durations', () => {
    expect(parseSince('30s')).toBe(30);
    expect(parseSince('5m')).toBe(300);
    expect(parseSince('1h30m')).toBe(5400);
    expect(() => parseSince('5 minutes')).toThrow(UsageError);
    expect(() => parseSince('')).toThrow(UsageError);
    expect(() => parseSince('0s')).toThrow(UsageError);
  });
});

describe('parseClusterList', () => {
  it('splits, trims and dedupes; refuses bad names', () => {
    expect(parseClusterList('m1, m2,m1')).toEqual(['m1', 'm2']);
    expect(() => parseClusterList(',')).toThrow(UsageError);
    expect(() => parseClusterList('M1')).toThrow(UsageError);
  });
});
