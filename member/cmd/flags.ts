/**
 * Flag helpers shared by the member binaries: Go-style durations, kube-style `--flag=false`
 * booleans, `host:port` values, and the argv → options → validate → run → exit code flow.
 */
import { isIP } from 'node:net';

/** Exit codes of every member binary. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a Go duration (`15s`, `500ms`, `1m30s`, `5m0s`) or of a bare number of seconds
 * (`40`); NaN when the text is neither (reported by validation), undefined when unset.
 */
export function parseDuration(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(v)) return NaN;
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
  }
  return ms;
}

/**
 * Rewrites bare boolean flags (`--leader-elect`) to `--leader-elect=true`, so they can be parsed
 * as strings that also take kube's `--leader-elect=false`.
 */
export function withBooleanValues(argv: string[], names: readonly string[]): string[] {
  return argv.map((a) => (names.some((n) => a === `--${n}`) ? `${a}=true` : a));
}

/** `true`/`false` of a boolean flag. @throws TypeError for any other value (a usage error). */
export function parseBool(flag: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new TypeError(`--${flag} must be true or false, got "${v}"`);
}

/** Host and port of `host:port` (`[v6]:port` too), or undefined when it is not one. */
export function splitHostPort(v: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || isIP(host) === 0 || !(port >= 0 && port <= 65535)) return undefined;
  return { host, port };
}

/** A number flag (NaN when not a number, reported by validation). */
export function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Process-level dependencies of a member binary's run function. */
export interface CommandDeps {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Aborted on SIGINT/SIGTERM: the component stops and the run function resolves. */
  signal: AbortSignal;
}

/** One problem with the options: the flag and what is wrong. */
export interface FlagProblem {
  flag: string;
  message: string;
}

/** What {@link runCommand} needs of one binary. */
export interface MemberCommand<O> {
  /** Prefix of every message, e.g. `member-apiserver`. */
  name: string;
  usage: string;
  /** argv → options. @throws TypeError for unknown or malformed flags */
  parse(argv: string[]): { opts: O; help: boolean };
  validate(opts: O): FlagProblem[];
  /** Runs until `deps.signal` aborts; resolves to the exit code. */
  run(opts: O, deps: CommandDeps): Promise<number>;
}

/**
 * argv → options (unknown or malformed flag: exit 2) → `--help` (exit 0) → every validation
 * problem at once (exit 2) → run; an error escaping `run` exits 1.
 */
export async function runCommand<O>(
  cmd: MemberCommand<O>,
  argv: string[],
  deps: CommandDeps,
): Promise<number> {
  let parsed: { opts: O; help: boolean };
  try {
    parsed = cmd.parse(argv);
  } catch (err) {
    deps.stderr(`${cmd.name}: ${err instanceof Error ? err.message : String(err)}\n${cmd.usage}`);
    return ExitCode.Usage;
  }
  if (parsed.help) {
    deps.stdout(cmd.usage);
    return ExitCode.Ok;
  }
  const problems = cmd.validate(parsed.opts);
  if (problems.length > 0) {
    deps.stderr(
      `${cmd.name}: invalid flags:\n${problems.map((p) => `  ${p.flag}: ${p.message}\n`).join('')}${cmd.usage}`,
    );
    return ExitCode.Usage;
  }
  try {
    return await cmd.run(parsed.opts, deps);
  } catch (err) {
    deps.stderr(`${cmd.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Failed;
  }
}

/**
 * The thin `main` of a member binary: SIGINT/SIGTERM abort the run (a second signal is ignored
 * while it shuts down), then the process exits with the run's code.
 */
export async function main<O>(cmd: MemberCommand<O>): Promise<void> {
  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      abort.abort();
    });
  }
  const code = await runCommand(cmd, process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    signal: abort.signal,
  });
  process.exitCode = code;
  // everything was stopped; a library handle left open must not keep the process alive
  setTimeout(() => process.exit(code), 2_000).unref();
}

/** Resolves once `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
