import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import { freePort, waitFor } from './ports.js';

/** Options for {@link startResolverProcess}. */
export interface ResolverProcessOptions {
  /** Repository root (dist/ must be built). */
  root: string;
  /** Federation kubeconfig and the context the resolver reads Cluster objects with. */
  kubeconfig: string;
  context: string;
  federation: string;
  zone: string;
  /** `cidr=cluster` pairs: a client in a member's node range prefers that member. */
  clientClusters: string[];
  /** Worker processes sharing the port (SO_REUSEPORT). */
  workers: number;
  logFile: string;
}

/** The running central resolver: its address and how to stop it. */
export interface ResolverProcess {
  host: string;
  port: number;
  /** HTTP port of `/metrics` on 127.0.0.1 (the primary sums its workers' counters). */
  metricsPort: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts the central resolver as its own process from the build (`dist/dns/cmd/resolver.js`) with
 * `--workers` processes on one port, and resolves once every worker has bound it.
 */
export async function startResolverProcess(opts: ResolverProcessOptions): Promise<ResolverProcess> {
  const script = join(opts.root, 'dist', 'dns', 'cmd', 'resolver.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const host = '127.0.0.1';
  const port = await freePort(host);
  let metricsPort = await freePort(host);
  // nothing holds the DNS port yet, so the kernel may offer it twice
  while (metricsPort === port) metricsPort = await freePort(host);
  const args = [
    '--enable-source-maps',
    script,
    '--host',
    host,
    '--port',
    String(port),
    '--workers',
    String(opts.workers),
    '--metrics-port',
    String(metricsPort),
    '--federation-kubeconfig',
    opts.kubeconfig,
    '--federation-context',
    opts.context,
    '--federation',
    opts.federation,
    '--federation-zone',
    opts.zone,
    ...opts.clientClusters.flatMap((c) => ['--client-cluster', c]),
  ];
  // the log is appended to across runs: only what this run writes counts
  const offset = existsSync(opts.logFile) ? readFileSync(opts.logFile).length : 0;
  const proc = new ManagedProcess({ command: process.execPath, args, logFile: opts.logFile });
  const workerLine = /^resolver worker \d+:/gm;
  await waitFor(
    `the resolver's ${String(opts.workers)} workers (log ${opts.logFile})`,
    () => {
      if (!proc.running) throw new Error(`the resolver exited; see ${opts.logFile}`);
      const log = existsSync(opts.logFile)
        ? readFileSync(opts.logFile).subarray(offset).toString('utf8')
        : '';
      const started =
        opts.workers > 1
          ? (log.match(workerLine)?.length ?? 0)
          : /^resolver: .*\(udp\+tcp\)/m.test(log)
            ? 1
            : 0;
      return Promise.resolve(started >= opts.workers);
    },
    30_000,
    100,
  );
  return { host, port, metricsPort, process: proc, stop: () => proc.stop() };
}
