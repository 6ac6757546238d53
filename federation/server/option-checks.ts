/**
 * Flag parsing and checks the federation binaries share: kube-style boolean flags
 * (`--leader-elect`, `--leader-elect=false`), Go-style durations (`15s`, `500ms`), ports and
 * loopback addresses.
 */

/** One problem with the options: the flag and what is wrong. */
export interface OptionProblem {
  flag: string;
  message: string;
}

/**
 * Rewrites bare boolean flags to `--flag=true` so they can be parsed as strings, which lets
 * `--flag=false` through as pflag does (node's parseArgs refuses a value on a boolean).
 */
export function normalizeBooleanFlags(argv: string[], booleans: readonly string[]): string[] {
  return argv.map((a) => {
    if (a === '-h' && booleans.includes('help')) return '--help=true';
    return a.startsWith('--') && booleans.includes(a.slice(2)) ? `${a}=true` : a;
  });
}

/** `true`/`false` of a boolean flag's value; undefined when absent. @throws TypeError otherwise */
export function parseBool(flag: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new TypeError(`--${flag}: "${v}" is not a boolean (true or false)`);
}

/** Parses a number flag (NaN stays NaN: validation reports it). */
export function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : v.trim() === '' ? Number.NaN : Number(v);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a Go-style duration (`15s`, `500ms`, `1m30s`; a bare number is seconds); NaN
 * when malformed (validation reports it), undefined when absent.
 */
export function durationMs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== v) return Number.NaN;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? ''] ?? Number.NaN), 0);
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
