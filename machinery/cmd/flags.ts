/**
 * Flag parsing every Flotilla binary shares: Go-style durations (`15s`, `500ms`, `1m30s`),
 * kube-style booleans (`--leader-elect`, `--leader-elect=false`), numbers, comma lists,
 * `HOST:PORT` values, and the text of a usage error listing every problem at once.
 */
import { isIP } from 'node:net';

/** One problem with the options: the flag and what is wrong. */
export interface OptionProblem {
  flag: string;
  message: string;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a Go duration (`15s`, `500ms`, `1m30s`, `5m0s`) or of a bare number of seconds
 * (`40`); NaN when the text is neither (reported by validation), undefined when unset.
 */
export function parseDuration(v: string): number;
export function parseDuration(v: string | undefined): number | undefined;
export function parseDuration(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(v)) return Number.NaN;
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  }
  return ms;
}

/**
 * Rewrites bare boolean flags (`--leader-elect`) to `--leader-elect=true`, so that node's
 * `parseArgs` can read them as strings and also take kube's `--leader-elect=false` (it refuses a
 * value on a boolean). `-h` becomes `--help=true` when `help` is one of `names`.
 */
export function withBooleanValues(argv: readonly string[], names: readonly string[]): string[] {
  return argv.map((a) => {
    if (a === '-h' && names.includes('help')) return '--help=true';
    return a.startsWith('--') && names.includes(a.slice(2)) ? `${a}=true` : a;
  });
}

const TRUE = new Set(['true', 'True', 'TRUE', 't', 'T', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'f', 'F', '0']);

/**
 * The value of a boolean flag as pflag reads it (Go's `strconv.ParseBool`: `true`, `false`, `1`,
 * `0`, …); undefined when unset. @throws TypeError for any other value (a usage error)
 */
export function parseBool(flag: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new TypeError(`--${flag} must be true or false, got "${v}"`);
}

/** A number flag; NaN when it is not one (an empty value too), reported by validation. */
export function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : v.trim() === '' ? Number.NaN : Number(v);
}

/** The items of a comma-separated flag, trimmed, empty ones dropped; undefined when unset. */
export function commaList(v: string | undefined): string[] | undefined {
  return v
    ?.split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** Host (any name or address; `[v6]` unbracketed) and port of `HOST:PORT`, or undefined. */
export function parseHostPort(v: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || host === '' || !(port >= 0 && port <= 65535)) return undefined;
  return { host, port };
}

/** Host and port of `IP:PORT` (`[v6]:port` too), or undefined when it is not one. */
export function splitHostPort(v: string): { host: string; port: number } | undefined {
  const a = parseHostPort(v);
  return a && isIP(a.host) !== 0 ? a : undefined;
}

/** True for a valid TCP port (0 = any free port when `allowZero`). */
export function isPort(v: number, allowZero = true): boolean {
  return Number.isInteger(v) && v >= (allowZero ? 0 : 1) && v <= 65535;
}

/** True for an IPv4 loopback address (127.0.0.0/8). */
export function isLoopback(host: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** The text of a usage error: `NAME: invalid flags:`, one line per problem, then the usage. */
export function problemsText(
  name: string,
  problems: readonly OptionProblem[],
  usage: string,
): string {
  return `${name}: invalid flags:\n${problems.map((p) => `  ${p.flag}: ${p.message}\n`).join('')}${usage}`;
}
