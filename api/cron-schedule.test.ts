import { describe, expect, it } from 'vitest';
import { CronSchedule, CronScheduleError, isValidTimeZone } from './cron-schedule.js';

const next = (s: string, after: string, tz?: string): string | undefined =>
  CronSchedule.parse(s).next(new Date(after), tz)?.toISOString();

/** The next `n` run times. */
function runs(s: string, after: string, n: number, tz?: string): string[] {
  const sched = CronSchedule.parse(s);
  const out: string[] = [];
  let t = new Date(after);
  for (let i = 0; i < n; i++) {
    const r = sched.next(t, tz);
    if (!r) break;
    out.push(r.toISOString());
    t = r;
  }
  return out;
}

describe('CronSchedule', () => {
  it('handles *, steps, lists and ranges', () => {
    expect(next('*/1 * * * *', '2026-01-01T00:00:30Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('*/15 * * * *', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:15:00.000Z');
    expect(runs('0,30 9-10 * * *', '2026-01-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-01T09:30:00.000Z',
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:30:00.000Z',
      '2026-01-02T09:00:00.000Z',
    ]);
    expect(next('5/20 * * * *', '2026-01-01T00:06:00Z')).toBe('2026-01-01T00:25:00.000Z');
    expect(next('0 0-12/6 * * *', '2026-01-01T06:00:00Z')).toBe('2026-01-01T12:00:00.000Z');
  });

  it('accepts month and weekday names, 7 as Sunday, and macros', () => {
    // 2026-01-01 is a Thursday
    expect(next('0 12 * * mon-fri', '2026-01-02T13:00:00Z')).toBe('2026-01-05T12:00:00.000Z');
    expect(next('0 0 * * 7', '2026-01-01T00:00:00Z')).toBe('2026-01-04T00:00:00.000Z');
    expect(next('0 0 1 MAR *', '2026-01-01T00:00:00Z')).toBe('2026-03-01T00:00:00.000Z');
    expect(next('@hourly', '2026-01-01T00:00:00Z')).toBe('2026-01-01T01:00:00.000Z');
    expect(next('@monthly', '2026-01-15T00:00:00Z')).toBe('2026-02-01T00:00:00.000Z');
  });

  it('matches either day field when both are restricted', () => {
    // the 10th (a Saturday) or any Monday
    expect(runs('0 0 10 * 1', '2026-01-06T00:00:00Z', 3)).toEqual([
      '2026-01-10T00:00:00.000Z',
      '2026-01-12T00:00:00.000Z',
      '2026-01-19T00:00:00.000Z',
    ]);
  });

  it('evaluates wall time in a time zone', () => {
    expect(next('0 9 * * *', '2026-01-01T00:00:00Z', 'Asia/Kolkata')).toBe(
      '2026-01-01T03:30:00.000Z',
    );
    expect(next('0 9 * * *', '2026-01-01T00:00:00Z', 'Europe/Berlin')).toBe(
      '2026-01-01T08:00:00.000Z',
    );
  });

  it('keeps the wall time across a spring-forward day and skips the missing hour', () => {
    // America/New_York: 2026-03-08 02:00 EST → 03:00 EDT
    expect(runs('0 9 * * *', '2026-03-07T00:00:00Z', 3, 'America/New_York')).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    expect(runs('30 2 * * *', '2026-03-07T12:00:00Z', 2, 'America/New_York')).toEqual([
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
    expect(next('0 0 * * *', '2026-03-07T06:00:00Z', 'America/New_York')).toBe(
      '2026-03-08T05:00:00.000Z',
    );
  });

  it('runs a repeated wall time twice on a fall-back day', () => {
    // 2026-11-01 02:00 EDT → 01:00 EST
    expect(runs('30 1 * * *', '2026-11-01T00:00:00Z', 3, 'America/New_York')).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('returns undefined for a date that never comes', () => {
    expect(next('0 0 30 2 *', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('refuses malformed schedules with a typed error', () => {
    for (const bad of [
      '* * * *',
      '60 * * * *',
      '* * * 13 *',
      '*/0 * * * *',
      '5-1 * * * *',
      'x * * * *',
    ]) {
      expect(() => CronSchedule.parse(bad)).toThrow(CronScheduleError);
    }
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
