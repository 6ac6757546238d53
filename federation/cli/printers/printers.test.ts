import { describe, expect, it } from 'vitest';
import { age, printObject, printTable } from './index.js';

describe('printTable', () => {
  it('aligns columns with upper-case headers and no trailing blanks', () => {
    expect(
      printTable(
        ['name', 'ready'],
        [
          ['m1', 'True'],
          ['member-two', ''],
        ],
      ),
    ).toBe('NAME         READY\nm1           True\nmember-two\n');
  });
});

describe('age', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  it('uses the largest sensible unit', () => {
    expect(age('2026-01-01T23:59:50Z', now)).toBe('10s');
    expect(age('2026-01-01T23:50:00Z', now)).toBe('10m');
    expect(age('2026-01-01T20:00:00Z', now)).toBe('4h');
    expect(age('2025-12-25T00:00:00Z', now)).toBe('8d');
    expect(age(undefined, now)).toBe('<unknown>');
    expect(age('garbage', now)).toBe('<unknown>');
  });
});

describe('printObject', () => {
  it('prints yaml and json', () => {
    expect(printObject({ a: 1, b: ['x'] }, 'yaml')).toBe('a: 1\nb:\n  - x\n');
    expect(JSON.parse(printObject({ a: 1 }, 'json'))).toEqual({ a: 1 });
  });
});
