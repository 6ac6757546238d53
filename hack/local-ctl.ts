/**
 * Controls the processes of a running local federation through its supervisor's socket
 * (hack/lib/supervisor.ts):
 *   node dist/hack/local-ctl.js [--state DIR] ps [--json]
 *   node dist/hack/local-ctl.js [--state DIR] stop TARGET      (a process name or a group)
 *   node dist/hack/local-ctl.js [--state DIR] start TARGET
 *   node dist/hack/local-ctl.js [--state DIR] kill TARGET [--signal SIGKILL]   (it is restarted)
 *   node dist/hack/local-ctl.js [--state DIR] stop TARGET --signal SIGKILL     (a crash, held down until start)
 * Exit codes: 0 done, 1 failed (no federation running, unknown target...), 2 bad usage.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './lib/repo-root.js';
import {
  controlRequest,
  controlSocketPath,
  SupervisorNotRunningError,
  type ControlResponse,
} from './lib/supervisor-control.js';
import type { ProcessStatus } from './lib/supervisor.js';

const USAGE = `usage: local-ctl [--state DIR] ps [--json] | stop TARGET [--signal SIG] | start TARGET | kill TARGET [--signal SIG]`;

function usage(msg: string): never {
  console.error(`error: ${msg}\n${USAGE}`);
  process.exit(2);
}

function parse(): {
  state: string;
  signal: string | undefined;
  json: boolean;
  positionals: string[];
} {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        state: { type: 'string', default: join(repoRoot(import.meta.url), '.flotilla') },
        signal: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    return { state: resolve(values.state), signal: values.signal, json: values.json, positionals };
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
}

function age(iso: string | null): string {
  if (iso === null) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return `${String(s)}s`;
  if (s < 7200) return `${String(Math.round(s / 60))}m`;
  return `${String(Math.round(s / 3600))}h`;
}

function table(rows: ProcessStatus[]): string {
  const lines = [['NAME', 'GROUP', 'STATE', 'PID', 'RESTARTS', 'AGE', 'LAST EXIT']];
  for (const p of rows) {
    const exit = p.lastExit
      ? `${p.lastExit.signal ?? `code ${String(p.lastExit.code)}`} ${age(p.lastExit.time)} ago`
      : '-';
    const running = p.state === 'running' ? p.startedAt : null;
    lines.push([
      p.name,
      p.group,
      p.state,
      String(p.pid ?? '-'),
      String(p.restarts),
      age(running),
      exit,
    ]);
  }
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? [];
  return lines
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function fail(res: ControlResponse): never {
  const body = res.body as { error?: unknown } | null;
  const msg = typeof body?.error === 'string' ? body.error : `HTTP ${String(res.status)}`;
  console.error(`error: ${msg}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { state, signal, json, positionals } = parse();
  const [cmd, target, ...extra] = positionals;
  const socket = controlSocketPath(state);
  if (cmd === undefined) usage('a command is required');
  if (cmd === 'ps') {
    if (target !== undefined) usage('ps takes no argument');
    const res = await controlRequest(socket, 'GET', '/processes');
    if (res.status !== 200) fail(res);
    const rows = res.body as ProcessStatus[];
    console.log(json ? JSON.stringify(rows, null, 2) : table(rows));
    return;
  }
  if (cmd !== 'stop' && cmd !== 'start' && cmd !== 'kill') usage(`unknown command "${cmd}"`);
  if (target === undefined || extra.length > 0) usage(`${cmd} takes exactly one TARGET`);
  const q = new URLSearchParams({ target });
  if (cmd !== 'start' && signal !== undefined) q.set('signal', signal);
  const res = await controlRequest(socket, 'POST', `/${cmd}?${q.toString()}`);
  if (res.status === 400) usage((res.body as { error?: string } | null)?.error ?? 'bad request');
  if (res.status !== 200) fail(res);
  const body = res.body as { names?: string[]; pids?: number[] };
  if (cmd === 'kill') {
    console.log(
      `sent ${signal ?? 'SIGKILL'} to ${target}: pid ${(body.pids ?? []).join(', ') || 'none running'}`,
    );
  } else {
    const names = body.names ?? [];
    const verb = cmd === 'stop' ? 'stopped' : 'started';
    console.log(
      names.length > 0 ? `${verb}: ${names.join(', ')}` : `nothing to ${cmd} in ${target}`,
    );
  }
}

try {
  await main();
} catch (err) {
  if (err instanceof SupervisorNotRunningError) {
    console.error(err.message);
  } else {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exit(1);
}
