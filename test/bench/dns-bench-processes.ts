/**
 * The server processes the DNS bench (dns-bench.ts) starts: the built `flotilla-resolver` (one
 * process or `--workers N`, optionally under `--cpu-prof`) and cluster DNS worker processes
 * (cluster-dns-bench-worker.ts) sharing one port with SO_REUSEPORT; and their stop, which waits
 * for the exit so that a CPU profile is written before the bench goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../hack/lib/ports.js';

const root = new URL('../..', import.meta.url).pathname;
/** How long a started process may take to say it listens (a busy 2-core machine is slow). */
const START_LIMIT_MS = 30_000;

/** Collects a child's stdout and stderr; the returned function reads what came so far. */
function output(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

/** Waits until `ready` holds of the child's output; kills it and throws when it exits or stalls. */
async function waitReady(
  child: ChildProcess,
  out: () => string,
  ready: (out: string) => boolean,
  what: string,
): Promise<void> {
  const deadline = Date.now() + START_LIMIT_MS;
  while (!ready(out())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not start:\n${out()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts the built resolver (`dist/dns/cmd/resolver.js`) with `count` workers on a free port and
 * the given `--route`s; with `cpuProfDir`, under `node --cpu-prof` writing there. Resolves once
 * every worker listens.
 */
export async function startResolver(
  count: number,
  routes: string[],
  cpuProfDir?: string,
): Promise<{ port: number; child: ChildProcess }> {
  const script = join(root, 'dist', 'dns', 'cmd', 'resolver.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const port = await freePort('127.0.0.1');
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`] : [];
  const child = spawn(
    process.execPath,
    [
      ...prof,
      script,
      ...['--port', String(port), '--workers', String(count)],
      ...routes.flatMap((r) => ['--route', r]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = output(child);
  const listening = /^resolver( worker \d+)?: [\d.]+:\d+ \(udp\+tcp\)/gm;
  await waitReady(child, out, (o) => (o.match(listening)?.length ?? 0) >= count, 'resolver');
  return { port, child };
}

/**
 * `count` cluster DNS worker processes ({@link ./cluster-dns-bench-worker.ts}) on one port with
 * SO_REUSEPORT, as `flotilla-cluster-dns --workers N` runs them; waits until each listens.
 */
export async function startClusterDnsWorkers(
  count: number,
): Promise<{ port: number; children: ChildProcess[] }> {
  const script = join(root, 'test', 'bench', 'cluster-dns-bench-worker.ts');
  const port = await freePort('127.0.0.1');
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, String(port)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      await waitReady(child, output(child), (o) => /^ready$/m.test(o), 'cluster DNS worker');
    }
  } catch (err) {
    for (const c of children) c.kill('SIGKILL');
    throw err;
  }
  return { port, children };
}

/** Sends SIGTERM and resolves once the child exited (SIGKILL after 10 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
