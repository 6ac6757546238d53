/**
 * Standard 5-field cron schedules (minute hour day-of-month month day-of-week) evaluated in an IANA
 * time zone through Intl, as CronJob `spec.schedule` + `spec.timeZone` are.
 */

/** Thrown when a schedule or time zone cannot be parsed; not retryable (a user error). */
export class CronScheduleError extends Error {
  override readonly name = 'CronScheduleError';
  readonly retryable = false;
  readonly schedule: string;

  constructor(schedule: string, why: string) {
    super(`invalid schedule "${schedule}": ${why}`);
    this.schedule = schedule;
  }
}

interface FieldDef {
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly FieldDef[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  // 7 is accepted as Sunday, as in Vixie cron
  { min: 0, max: 7, names: DAYS },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Wall-clock fields of an instant in a time zone. */
interface Wall {
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `tz` names a time zone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function wallTime(t: number, timeZone: string): Wall {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(t)) parts[p.type] = p.value;
  return {
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: DAYS.indexOf((parts.weekday ?? '').toUpperCase()),
  };
}

function parseValue(s: string, def: FieldDef, schedule: string): number {
  const named = def.names?.indexOf(s.toUpperCase()) ?? -1;
  if (named >= 0) return named + (def.names === MONTHS ? 1 : 0);
  if (!/^\d+$/.test(s)) throw new CronScheduleError(schedule, `bad value "${s}"`);
  const n = Number(s);
  if (n < def.min || n > def.max) {
    throw new CronScheduleError(
      schedule,
      `${s} is out of range ${String(def.min)}-${String(def.max)}`,
    );
  }
  return n;
}

/** Parses one field into the set of values it allows; `star` is true for `*` or `?`. */
function parseField(
  field: string,
  def: FieldDef,
  schedule: string,
): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  for (const part of field.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronScheduleError(schedule, `bad step "${part}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (
      !Number.isInteger(step) ||
      step < 1 ||
      (stepText !== undefined && !/^\d+$/.test(stepText))
    ) {
      throw new CronScheduleError(schedule, `bad step "${part}"`);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [def.min, def.max];
      star ||= stepText === undefined;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [lo, hi] = [parseValue(a, def, schedule), parseValue(b, def, schedule)];
      if (lo > hi) throw new CronScheduleError(schedule, `bad range "${range}"`);
    } else {
      lo = parseValue(range, def, schedule);
      // "a/s" means from a to the end of the field
      hi = stepText === undefined ? lo : def.max;
    }
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

/** A parsed cron schedule. */
export class CronSchedule {
  readonly source: string;
  private readonly fields: { set: Set<number>; star: boolean }[];

  private constructor(source: string, fields: { set: Set<number>; star: boolean }[]) {
    this.source = source;
    this.fields = fields;
  }

  /**
   * Parses `*`, lists, ranges, steps and month/day names, plus the `@hourly`-style macros.
   * @throws CronScheduleError when the schedule is malformed
   */
  static parse(schedule: string): CronSchedule {
    const text = MACROS[schedule.trim().toLowerCase()] ?? schedule.trim();
    const parts = text.split(/\s+/);
    if (parts.length !== 5) {
      throw new CronScheduleError(
        schedule,
        `expected exactly 5 fields, found ${String(parts.length)}`,
      );
    }
    const fields = parts.map((p, i) => parseField(p, FIELDS[i] ?? { min: 0, max: 0 }, schedule));
    const dow = fields[4];
    if (dow?.set.delete(7)) dow.set.add(0);
    return new CronSchedule(schedule, fields);
  }

  private has(i: number, v: number): boolean {
    return this.fields[i]?.set.has(v) === true;
  }

  /** Vixie cron: when both day fields are restricted a day matching either one runs. */
  private dayMatches(w: Wall): boolean {
    const dom = this.has(2, w.day);
    const dow = this.has(4, w.weekday);
    if (this.fields[2]?.star || this.fields[4]?.star) return dom && dow;
    return dom || dow;
  }

  /**
   * The first scheduled instant strictly after `after`, in wall-clock time of `timeZone`.
   * The search walks real instants, so a wall time skipped by a spring-forward does not run that
   * day and one repeated by a fall-back runs twice. Undefined when nothing matches within 5 years
   * (e.g. `0 0 30 2 *`).
   * @throws RangeError when `timeZone` is unknown
   */
  next(after: Date, timeZone = 'UTC'): Date | undefined {
    const MIN = 60_000;
    let t = Math.floor(after.getTime() / MIN) * MIN + MIN;
    const limit = t + 5 * 366 * 24 * 60 * MIN;
    while (t < limit) {
      const w = wallTime(t, timeZone);
      const dayLeft = 24 * 60 - (w.hour * 60 + w.minute);
      if (!this.has(3, w.month) || !this.dayMatches(w)) {
        // one hour short of midnight when far from it, so a 23-hour DST day cannot skip a day start
        t += (dayLeft > 120 ? dayLeft - 60 : dayLeft) * MIN;
      } else if (!this.has(1, w.hour)) {
        t += (60 - w.minute) * MIN;
      } else if (!this.has(0, w.minute)) {
        let m = w.minute + 1;
        while (m < 60 && !this.has(0, m)) m++;
        t += (m - w.minute) * MIN;
      } else {
        return new Date(t);
      }
    }
    return undefined;
  }
}
