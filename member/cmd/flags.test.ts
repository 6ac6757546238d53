import { describe, expect, it } from 'vitest';
import { parseBool, parseDuration, splitHostPort, withBooleanValues } from './flags.js';

describe('member binary flags', () => {
  it('reads Go durations and bare seconds', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('5m0s')).toBe(300_000);
    expect(parseDuration('40')).toBe(40_000);
    expect(parseDuration('soon')).toBeNaN();
    expect(parseDuration(undefined)).toBeUndefined();
  });

  it('takes --flag, --flag=true and --flag=false for booleans', () => {
    expect(withBooleanValues(['--leader-elect', '--x'], ['leader-elect'])).toEqual([
      '--leader-elect=true',
      '--x',
    ]);
    expect(parseBool('leader-elect', 'false')).toBe(false);
    expect(() => parseBool('leader-elect', 'yes')).toThrow(TypeError);
  });

  it('splits IP:PORT', () => {
    expect(splitHostPort('127.0.0.1:10257')).toEqual({ host: '127.0.0.1', port: 10257 });
    expect(splitHostPort('[::1]:53')).toEqual({ host: '::1', port: 53 });
    expect(splitHostPort('localhost:53')).toBeUndefined();
    expect(splitHostPort('127.0.0.1')).toBeUndefined();
  });
});
