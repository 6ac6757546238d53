import { parseArgs } from 'node:util';
import { num } from '../../machinery/cmd/flags.js';
import {
  aborted,
  ExitCode,
  runCommand,
  type Command,
  type CommandDeps,
} from '../../machinery/cmd/run-command.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import type { ClusterDnsFactory } from '../cluster/cluster-dns.js';
import { MemberCluster } from '../cluster/member-cluster.js';
import { resolveOptions, usage, type MemberOptions } from './options.js';
import { validateOptions } from './validate-options.js';

/** Process-level dependencies of {@link runMember}. */
export interface RunMemberDeps extends CommandDeps {
  /** Cluster DNS server factory (from `dns/index.ts`); no DNS without it. */
  dns?: ClusterDnsFactory;
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

/** The `member` command; `dns` is the cluster DNS server factory (no DNS without it). */
export function memberCommand(dns: ClusterDnsFactory | undefined): Command<MemberOptions> {
  return {
    name: 'member',
    usage,
    parse: (argv) => {
      const { help, ...partial } = parseMemberArgs(argv);
      return { opts: resolveOptions(partial), help: help === true };
    },
    validate: validateOptions,
    run: async (opts, deps) => {
      const cluster = new MemberCluster(clusterOptions(opts, dns));
      try {
        await cluster.start();
        deps.stdout(`member ${opts.name}: API ${cluster.url}\n`);
        if (cluster.kubeconfigPath) {
          deps.stdout(`member ${opts.name}: kubeconfig ${cluster.kubeconfigPath}\n`);
        }
        if (cluster.dnsAddress) {
          const { host, port } = cluster.dnsAddress;
          deps.stdout(`member ${opts.name}: DNS ${host}:${String(port)}\n`);
        }
        deps.stdout(`member ${opts.name}: nodes ${cluster.nodeNames.join(', ') || '(none)'}\n`);
        await aborted(deps.signal);
        return ExitCode.Ok;
      } catch (err) {
        deps.stderr(`member ${opts.name}: ${err instanceof Error ? err.message : String(err)}\n`);
        return ExitCode.Failed;
      } finally {
        await cluster.stop();
      }
    },
  };
}

/** argv → options → validate → MemberCluster.start → wait for the signal → stop → exit code. */
export function runMember(argv: string[], deps: RunMemberDeps): Promise<number> {
  return runCommand(memberCommand(deps.dns), argv, deps);
}
