import { parseArgs } from 'node:util';
import { consoleLogger } from '../../machinery/controller/index.js';
import type { ClusterDnsFactory } from '../cluster/cluster-dns.js';
import { MemberCluster } from '../cluster/member-cluster.js';
import { resolveOptions, usage, type MemberOptions } from './options.js';
import { validateOptions } from './validate-options.js';

/** Process-level dependencies of {@link runMember}. */
export interface RunMemberDeps {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Aborted on SIGINT/SIGTERM: the cluster stops and runMember resolves. */
  signal: AbortSignal;
  /** Cluster DNS server factory (from `dns/index.ts`); no DNS without it. */
  dns?: ClusterDnsFactory;
}

/** Exit codes. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Parses argv into options (unknown flags throw a TypeError from parseArgs). */
export function parseMemberArgs(argv: string[]): Partial<MemberOptions> & { help?: boolean } {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      name: s,
      etcd: s,
      'etcd-prefix': s,
      host: s,
      port: s,
      nodes: s,
      runtime: s,
      'docker-socket': s,
      'cluster-index': s,
      'node-ip-prefix': s,
      'dns-port': s,
      'cluster-domain': s,
      controllers: s,
      'kubeconfig-out': s,
      token: s,
      'node-grace-period': s,
      'pod-eviction-timeout': s,
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    name: v.name,
    etcd: v.etcd,
    etcdPrefix: v['etcd-prefix'],
    host: v.host,
    port: num(v.port),
    nodes: num(v.nodes),
    runtime: v.runtime,
    dockerSocket: v['docker-socket'],
    clusterIndex: num(v['cluster-index']),
    nodeIpPrefix: v['node-ip-prefix'],
    dnsPort: num(v['dns-port']),
    clusterDomain: v['cluster-domain'],
    controllers: v.controllers,
    kubeconfigOut: v['kubeconfig-out'],
    token: v.token,
    nodeGracePeriod: num(v['node-grace-period']),
    podEvictionTimeout: num(v['pod-eviction-timeout']),
    ...(v.verbose === undefined ? {} : { verbose: v.verbose }),
    ...(v.help === undefined ? {} : { help: v.help }),
  } as Partial<MemberOptions> & { help?: boolean };
}

/** Builds MemberCluster options from validated command options. */
export function clusterOptions(
  o: MemberOptions,
  dns: ClusterDnsFactory | undefined,
): ConstructorParameters<typeof MemberCluster>[0] {
  return {
    name: o.name,
    etcdEndpoint: o.etcd,
    ...(o.etcdPrefix === undefined ? {} : { etcdPrefix: o.etcdPrefix }),
    host: o.host,
    port: o.port,
    nodes: o.nodes,
    runtime: o.runtime === 'hollow' ? 'hollow' : 'docker',
    dockerSocketPath: o.dockerSocket,
    clusterIndex: o.clusterIndex,
    ...(o.nodeIpPrefix === undefined ? {} : { nodeAddressPrefix: o.nodeIpPrefix }),
    ...(o.token === undefined ? {} : { token: o.token }),
    controllers: o.controllers,
    nodeLifecycle: {
      gracePeriodMs: o.nodeGracePeriod * 1000,
      evictionTimeoutMs: o.podEvictionTimeout * 1000,
    },
    ...(o.kubeconfigOut === undefined ? {} : { kubeconfigPath: o.kubeconfigOut }),
    ...(dns === undefined ? {} : { dns }),
    dnsPort: o.dnsPort,
    clusterDomain: o.clusterDomain,
    logger: consoleLogger(`member ${o.name}`, !o.verbose),
  };
}

/** argv → options → validate → MemberCluster.start → wait for the signal → stop → exit code. */
export async function runMember(argv: string[], deps: RunMemberDeps): Promise<number> {
  let parsed: ReturnType<typeof parseMemberArgs>;
  try {
    parsed = parseMemberArgs(argv);
  } catch (err) {
    deps.stderr(`member: ${err instanceof Error ? err.message : String(err)}\n${usage}`);
    return ExitCode.Usage;
  }
  if (parsed.help) {
    deps.stdout(usage);
    return ExitCode.Ok;
  }
  const { help: _help, ...partial } = parsed;
  const opts = resolveOptions(partial);
  const problems = validateOptions(opts);
  if (problems.length > 0) {
    deps.stderr(
      `member: invalid flags:\n${problems.map((p) => `  ${p.flag}: ${p.message}\n`).join('')}${usage}`,
    );
    return ExitCode.Usage;
  }
  const cluster = new MemberCluster(clusterOptions(opts, deps.dns));
  try {
    await cluster.start();
    deps.stdout(`member ${opts.name}: API ${cluster.url}\n`);
    if (cluster.kubeconfigPath) {
      deps.stdout(`member ${opts.name}: kubeconfig ${cluster.kubeconfigPath}\n`);
    }
    if (cluster.dnsAddress) {
      deps.stdout(
        `member ${opts.name}: DNS ${cluster.dnsAddress.host}:${String(cluster.dnsAddress.port)}\n`,
      );
    }
    deps.stdout(`member ${opts.name}: nodes ${cluster.nodeNames.join(', ') || '(none)'}\n`);
    if (!deps.signal.aborted) {
      await new Promise<void>((resolve) =>
        deps.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
    return ExitCode.Ok;
  } catch (err) {
    deps.stderr(`member ${opts.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Failed;
  } finally {
    await cluster.stop();
  }
}
