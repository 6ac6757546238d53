/**
 * The supervisor's control endpoint: HTTP on the unix socket `<stateDir>/supervisor.sock` (mode
 * 0600, so only the owner can stop or kill processes), and the client hack/local-ctl.ts uses.
 *   GET  /processes                     → 200 ProcessStatus[]
 *   POST /stop?target=NAME|GROUP        → 200 { names }
 *   POST /start?target=NAME|GROUP       → 200 { names }
 *   POST /kill?target=...&signal=SIG    → 200 { pids }   (default SIGKILL; the process restarts)
 *   POST /stop?target=...&signal=SIG    → 200 { names }  (default SIGTERM; SIGKILL = a crash held down)
 * An unknown target is 404, a bad request 400; errors are `{ error: message }`.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { constants } from 'node:os';
import type { Supervisor } from './supervisor.js';
import type { ProcessStatus } from './supervisor-types.js';

/** The control socket under a state folder. */
export function controlSocketPath(stateDir: string): string {
  return `${stateDir}/supervisor.sock`;
}

/** Thrown by {@link controlRequest} when nothing listens on the socket. */
export class SupervisorNotRunningError extends Error {
  readonly socketPath: string;
  constructor(socketPath: string, options?: ErrorOptions) {
    super(`no local federation is running (no supervisor on ${socketPath})`, options);
    this.name = 'SupervisorNotRunningError';
    this.socketPath = socketPath;
  }
}

/** A control API answer: the HTTP status and the parsed JSON body. */
export interface ControlResponse {
  status: number;
  body: unknown;
}

/** One request to the control socket. @throws SupervisorNotRunningError when nobody listens */
export function controlRequest(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: 60_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
        } catch (err) {
          reject(new Error(`bad answer from the supervisor: ${text}`, { cause: err }));
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        reject(new SupervisorNotRunningError(socketPath, { cause: err }));
      } else reject(err);
    });
    req.on('timeout', () => req.destroy(new Error('the supervisor did not answer in 60 s')));
    req.end();
  });
}

function isSignal(s: string): s is NodeJS.Signals {
  return Object.hasOwn(constants.signals, s);
}

async function route(sup: Supervisor, req: IncomingMessage): Promise<ControlResponse> {
  const url = new URL(req.url ?? '/', 'http://supervisor');
  if (url.pathname === '/processes') {
    if (req.method !== 'GET') return { status: 405, body: { error: 'use GET' } };
    const list: ProcessStatus[] = sup.list();
    return { status: 200, body: list };
  }
  const action = url.pathname.slice(1);
  if (action !== 'stop' && action !== 'start' && action !== 'kill') {
    return { status: 404, body: { error: `no such endpoint: ${url.pathname}` } };
  }
  if (req.method !== 'POST') return { status: 405, body: { error: 'use POST' } };
  const target = url.searchParams.get('target');
  if (target === null || target === '') {
    return { status: 400, body: { error: 'target is required' } };
  }
  if (!sup.list().some((p) => p.name === target || p.group === target)) {
    return { status: 404, body: { error: `no process or group named "${target}"` } };
  }
  const signal = (
    url.searchParams.get('signal') ?? (action === 'kill' ? 'SIGKILL' : 'SIGTERM')
  ).toUpperCase();
  const sig = signal.startsWith('SIG') ? signal : `SIG${signal}`;
  if (!isSignal(sig)) return { status: 400, body: { error: `unknown signal ${signal}` } };
  if (action === 'kill') return { status: 200, body: { pids: sup.kill(target, sig) } };
  const names = action === 'stop' ? await sup.stop(target, sig) : await sup.start(target);
  return { status: 200, body: { names } };
}

/**
 * Listens on `socketPath` for `sup`. A stale socket file (nobody answering) is replaced.
 * @throws Error when another supervisor already answers on the socket
 */
export async function serveSupervisorControl(sup: Supervisor, socketPath: string): Promise<Server> {
  if (existsSync(socketPath)) {
    const alive = await controlRequest(socketPath, 'GET', '/processes').then(
      () => true,
      () => false,
    );
    if (alive) throw new Error(`another supervisor already serves ${socketPath}`);
    rmSync(socketPath, { force: true });
  }
  const server = createServer((req, res) => {
    route(sup, req)
      .catch((err: unknown) => ({
        status: 500,
        body: { error: err instanceof Error ? err.message : String(err) },
      }))
      .then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(body)}\n`);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  return server;
}
