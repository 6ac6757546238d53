import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, freeTcpUdpPort } from './ports.js';
import type { ProcessSpec } from './supervisor-types.js';

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
  /** The log the supervisor writes for the `resolver` process (`<state>/logs/resolver.log`). */
  logFile: string;
}

/** The central resolver as a supervised process: its address and the process spec. */
export interface ResolverProcessPlan {
  host: string;
  port: number;
  /** HTTP port of `/metrics` on 127.0.0.1 (the primary sums its workers' counters). */
  metricsPort: number;
  /** For {@link Supervisor.add}: ready once every worker has bound the port. */
  spec: ProcessSpec;
}

/**
 * The central resolver's process from the build (`dist/dns/cmd/resolver.js`) with `--workers`
 * processes on one port; its spec is ready once every worker has bound the port (read from the
 * log the supervisor writes, `logFile`).
 */
export async function resolverProcess(opts: ResolverProcessOptions): Promise<ResolverProcessPlan> {
  const script = join(opts.root, 'dist', 'dns', 'cmd', 'resolver.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const host = '127.0.0.1';
  const port = await freeTcpUdpPort(host);
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
  // the log is appended to across runs: only what this start writes counts
  let offset = 0;
  const workerLine = /^resolver worker \d+:/gm;
  const ready = (): Promise<boolean> => {
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
  };
  offset = existsSync(opts.logFile) ? readFileSync(opts.logFile).length : 0;
  return {
    host,
    port,
    metricsPort,
    spec: {
      name: 'resolver',
      group: 'dns',
      command: process.execPath,
      args,
      ready,
      readyTimeoutMs: 30_000,
    },
  };
}
