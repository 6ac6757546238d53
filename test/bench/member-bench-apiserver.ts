/**
 * The API server of the scheduler bench (member-bench.ts) in a process of its own, as deployed:
 * kube-scheduler (our member controller manager) and the API server are separate processes, so
 * the scheduler's cycles and the API server's write path each have their own event loop instead
 * of taking turns on one. The pod-create reference is measured against the same process.
 *
 * Run as a child: `member-bench-apiserver.ts <etcd endpoint>` prints `LISTENING <url>`; over IPC
 * `{ profile: 'start' }` starts a CPU profile and `{ profile: 'stop', path }` writes it (then
 * answers `{ written: path }`); SIGTERM closes it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiServer } from '../../machinery/apiserver/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { memberResourceTypes, podType } from '../../api/index.js';
import { bindingHandler } from '../../member/scheduler/index.js';
import { isMain } from './bench-result.js';

/** How long the child may take to listen (a busy 2-core machine is slow). */
const START_LIMIT_MS = 60_000;

/** A running CPU profile of this process; the returned function stops it and writes `path`. */
export async function startProfile(): Promise<(path: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (path) => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}

/** The bench's API server process. */
export interface BenchApiServer {
  url: string;
  /** Starts a CPU profile of the API server process; the returned function writes it to `path`. */
  profile(): (path: string) => Promise<void>;
  stop(): Promise<void>;
}

/** Starts the API server process on `etcdEndpoint` (prefix `/bench`) and waits until it listens. */
export async function startBenchApiServer(etcdEndpoint: string): Promise<BenchApiServer> {
  // the same loader flags as this process (tsx), so the child runs this TypeScript file too
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [etcdEndpoint], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + START_LIMIT_MS;
  let url: string | undefined;
  while (!(url = /^LISTENING (\S+)$/m.exec(out)?.[1])) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bench API server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // its request logs are not kept (the pipes keep flowing so that the child never blocks)
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  const listening = url;
  return {
    url: listening,
    profile: () => {
      child.send({ profile: 'start' });
      return (path) =>
        new Promise((resolve) => {
          const onMessage = (m: unknown): void => {
            if ((m as { written?: string }).written === path) {
              child.off('message', onMessage);
              resolve();
            }
          };
          child.on('message', onMessage);
          child.send({ profile: 'stop', path });
        });
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The child: an ApiServer with the member's types and pods/binding on 127.0.0.1. */
async function serve(etcdEndpoint: string): Promise<void> {
  const storage = new EtcdStorage({ endpoints: [etcdEndpoint], prefix: '/bench' });
  const server = new ApiServer({
    storage,
    resources: memberResourceTypes,
    // BENCH_WATCH_CACHE=0: every watch and read from etcd (the figures before the watch cache)
    ...(process.env.BENCH_WATCH_CACHE === '0' ? { watchCache: false as const } : {}),
  });
  server.registerSubresource(podType as unknown as ResourceType, 'binding', bindingHandler);
  const url = await server.listen(0);
  let stopProfile: ((path: string) => Promise<void>) | undefined;
  process.on('message', (m: { profile?: string; path?: string }) => {
    void (async () => {
      if (m.profile === 'start') stopProfile = await startProfile();
      if (m.profile === 'stop' && stopProfile && m.path !== undefined) {
        await stopProfile(m.path);
        stopProfile = undefined;
        process.send?.({ written: m.path });
      }
    })();
  });
  process.once('SIGTERM', () => {
    void server
      .close()
      .then(() => storage.close())
      .finally(() => process.exit(0));
  });
  process.stdout.write(`LISTENING ${url}\n`);
}

if (isMain(import.meta.url)) {
  const endpoint = process.argv[2];
  if (!endpoint) throw new Error('usage: member-bench-apiserver.ts <etcd endpoint>');
  await serve(endpoint);
}
