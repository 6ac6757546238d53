/**
 * The row type of the kubectl workflow table and the code that runs one row: its setup commands
 * (each must succeed), the command itself (optionally stopped once its output matches, with
 * commands run while it is running), then the row's expectations on the exit code, stdout and
 * stderr (for failures, the error's class as kubectl prints it) and an optional custom check.
 */
import type { ExpectStatic } from 'vitest';
import { freePort } from '../../hack/lib/ports.js';
import type { KubectlCall, KubectlRun, KubectlWorkflowEnv } from './kubectl-workflow-env.js';

/** One kubectl invocation of a row's setup (or of what runs while the command runs). */
export interface Step {
  args: string[];
  stdin?: string;
}

/** What a row's custom check gets. */
export interface CheckTools {
  env: KubectlWorkflowEnv;
  /** The free port `$PORT` stands for in this row. */
  port: number;
  expect: ExpectStatic;
  /** kubectl in the row's context; never throws. */
  kubectl(args: string[], call?: KubectlCall): Promise<KubectlRun>;
}

/** One workflow: a kubectl command and what it must give. */
export interface Workflow {
  name: string;
  /** `member` (namespace kw), `member-viewer` or `federation` (namespace default). */
  context?: 'member' | 'member-viewer' | 'federation';
  setup?: (string[] | Step)[];
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  /** Stop kubectl (SIGINT) once its stdout+stderr match: for -f, -w, attach, port-forward. */
  until?: RegExp;
  /** Commands run (in order) shortly after the command started, e.g. to cause a watch event. */
  during?: (string[] | Step)[];
  /** Run `hook` while the command runs (port-forward: an HTTP GET once it listens). */
  whileRunning?: (out: () => string, t: CheckTools) => Promise<void>;
  /** @defaultValue 0 */
  code?: number | 'nonzero';
  /** Each must match stdout (a string: contained). */
  stdout?: (RegExp | string)[];
  /** Each must match stderr (a string: contained). */
  stderr?: (RegExp | string)[];
  /** Assertions after the command (may poll). */
  check?: (r: KubectlRun, t: CheckTools) => Promise<void>;
  timeoutMs?: number;
}

const stepOf = (s: string[] | Step): Step => (Array.isArray(s) ? { args: s } : s);

/** `$DIR` (a directory of the run) and `$PORT` (a free port on 127.0.0.1) in `s`. */
const fill = (s: string, vars: Record<string, string>): string =>
  s.replaceAll(/\$(DIR|PORT)\b/g, (m, k: string) => vars[k] ?? m);

/** Runs one row against `env`, asserting with `expect`. */
export async function runWorkflow(
  w: Workflow,
  env: KubectlWorkflowEnv,
  expect: ExpectStatic,
): Promise<void> {
  const context = w.context ?? 'member';
  const vars = { DIR: env.dir, PORT: String(await freePort()) };
  const kubectl = (args: string[], call: KubectlCall = {}): Promise<KubectlRun> =>
    env.kubectl(
      context,
      args.map((a) => fill(a, vars)),
      call.stdin !== undefined ? { ...call, stdin: fill(call.stdin, vars) } : call,
    );
  const tools: CheckTools = { env, expect, kubectl, port: Number(vars.PORT) };
  for (const s of (w.setup ?? []).map(stepOf)) {
    const r = await kubectl(s.args, s.stdin !== undefined ? { stdin: s.stdin } : {});
    expect(r.code, `setup ${s.args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  let out = '';
  const until = w.until;
  const abort = new AbortController();
  const running = kubectl(w.args, {
    ...(w.stdin !== undefined ? { stdin: w.stdin } : {}),
    ...(w.env ? { env: w.env } : {}),
    timeoutMs: w.timeoutMs ?? 60_000,
    signal: abort.signal,
    until: (o) => {
      out = o;
      return until?.test(o) === true && w.whileRunning === undefined;
    },
  });
  try {
    if (w.during) {
      await new Promise((r) => setTimeout(r, 1500));
      for (const s of w.during.map(stepOf)) {
        const r = await kubectl(s.args, s.stdin !== undefined ? { stdin: s.stdin } : {});
        expect(r.code, `during ${s.args.join(' ')}: ${r.stderr}`).toBe(0);
      }
    }
    await w.whileRunning?.(() => out, tools);
  } finally {
    // a long-running command (port-forward) ends once the hook is done, or failed
    if (w.whileRunning) abort.abort();
  }
  const result = await running;
  const detail = `kubectl ${w.args.join(' ')}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  const code = w.code ?? 0;
  if (code === 'nonzero') expect(result.code, detail).not.toBe(0);
  else if (w.until === undefined) expect(result.code, detail).toBe(code);
  for (const m of w.stdout ?? []) {
    if (typeof m === 'string') expect(result.stdout, detail).toContain(m);
    else expect(result.stdout, detail).toMatch(m);
  }
  for (const m of w.stderr ?? []) {
    if (typeof m === 'string') expect(result.stderr, detail).toContain(m);
    else expect(result.stderr, detail).toMatch(m);
  }
  await w.check?.(result, tools);
}

/** A semaphore: at most `n` holders at a time. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
