import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/index.js';
import { ttlSeconds } from './dashboard.js';

describe('flotilla dashboard --ttl', () => {
  it('takes durations from 1 s to 1 h in whole seconds', () => {
    expect(ttlSeconds(undefined)).toBeUndefined();
    expect(ttlSeconds('10m')).toBe(600);
    expect(ttlSeconds('1h')).toBe(3600);
    expect(ttlSeconds('90')).toBe(90);
    expect(ttlSeconds('1m30s')).toBe(90);
  });

  it('refuses anything else as a usage error', () => {
    for (const bad of ['0s', '500ms', '2h', 'soon', '', '1.5s']) {
      expect(() => ttlSeconds(bad), bad).toThrow(UsageError);
    }
  });
});
