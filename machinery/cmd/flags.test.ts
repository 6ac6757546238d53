import { describe, expect, it } from 'vitest';
import {
  commaList,
  isLoopback,
  isPort,
  num,
  parseBool,
  parseDuration,
  parseHostPort,
  problemsText,
  splitHostPort,
  withBooleanValues,
} from './flags.js';

describe('binary flags', () => {
  it('reads Go durations and bare seconds', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('5m0s')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('40')).toBe(40_000);
    expect(parseDuration('soon')).toBeNaN();
    expect(parseDuration('s')).toBeNaN();
    expect(parseDuration('')).toBeNaN();
    expect(parseDuration(undefined)).toBeUndefined();
  });

  it('takes --flag, --flag=true and --flag=false for booleans', () => {
    expect(withBooleanValues(['--leader-elect', '--x'], ['leader-elect'])).toEqual([
      '--leader-elect=true',
      '--x',
    ]);
    expect(withBooleanValues(['-h'], ['help'])).toEqual(['--help=true']);
    expect(withBooleanValues(['-h'], ['verbose'])).toEqual(['-h']);
    expect(parseBool('leader-elect', 'false')).toBe(false);
    expect(parseBool('leader-elect', '1')).toBe(true);
    expect(parseBool('leader-elect', undefined)).toBeUndefined();
    expect(() => parseBool('leader-elect', 'yes')).toThrow(
      '--leader-elect must be true or false, got "yes"',
    );
  });

  it('reads numbers and comma lists', () => {
    expect(num('8')).toBe(8);
    expect(num('x')).toBeNaN();
    expect(num('')).toBeNaN();
    expect(num(undefined)).toBeUndefined();
    expect(commaList(' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(commaList(undefined)).toBeUndefined();
  });

  it('splits HOST:PORT and IP:PORT', () => {
    expect(splitHostPort('127.0.0.1:10257')).toEqual({ host: '127.0.0.1', port: 10257 });
    expect(splitHostPort('[::1]:53')).toEqual({ host: '::1', port: 53 });
    expect(splitHostPort('localhost:53')).toBeUndefined();
    expect(splitHostPort('127.0.0.1')).toBeUndefined();
    expect(parseHostPort('redis.local:6379')).toEqual({ host: 'redis.local', port: 6379 });
    expect(parseHostPort('h:65536')).toBeUndefined();
    expect(parseHostPort(':80')).toBeUndefined();
  });

  it('checks ports and loopback addresses', () => {
    expect(isPort(0)).toBe(true);
    expect(isPort(0, false)).toBe(false);
    expect(isPort(65536)).toBe(false);
    expect(isPort(1.5)).toBe(false);
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('127.0.0.256')).toBe(false);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });

  it('lists every problem, then the usage', () => {
    expect(
      problemsText(
        'x',
        [
          { flag: '--a', message: 'is required' },
          { flag: '--b', message: 'bad' },
        ],
        'Usage: x\n',
      ),
    ).toBe('x: invalid flags:\n  --a: is required\n  --b: bad\nUsage: x\n');
  });
});
