import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { num } from '../../machinery/cmd/flags.js';
import {
  ExitCode,
  runCommand,
  type Command,
  type CommandDeps,
} from '../../machinery/cmd/run-command.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import { DockerRuntime, HollowRuntime } from '../kubelet/index.js';
import { runKubeletProcess, type KubeletProcessOptions } from '../kubelet/kubelet-process.js';
import {
  kubeletUsage,
  parseNodeLabels,
  resolveKubeletOptions,
  type KubeletCommandOptions,
} from './kubelet-options.js';
import { validateKubeletOptions } from './kubelet-validate-options.js';

/** Parses argv into options (unknown flags throw a TypeError from parseArgs). */
export function parseKubeletArgs(
  argv: string[],
): Partial<KubeletCommandOptions> & { help?: boolean } {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'node-name': s,
      'node-ip': s,
      kubeconfig: s,
      'bootstrap-kubeconfig': s,
      'cert-dir': s,
      port: s,
      runtime: s,
      'docker-socket': s,
      'cluster-id': s,
      'node-labels': s,
      'node-status-update-frequency': s,
      'sync-frequency': s,
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    nodeName: v['node-name'],
    nodeIp: v['node-ip'],
    kubeconfig: v.kubeconfig,
    bootstrapKubeconfig: v['bootstrap-kubeconfig'],
    certDir: v['cert-dir'],
    port: num(v.port),
    runtime: v.runtime,
    dockerSocket: v['docker-socket'],
    clusterId: v['cluster-id'],
    nodeLabels: v['node-labels'],
    nodeStatusUpdateFrequency: num(v['node-status-update-frequency']),
    syncFrequency: num(v['sync-frequency']),
    ...(v.verbose === undefined ? {} : { verbose: v.verbose }),
    ...(v.help === undefined ? {} : { help: v.help }),
  } as Partial<KubeletCommandOptions> & { help?: boolean };
}

/** Builds the kubelet process options from validated command options. */
export function kubeletProcessOptions(
  o: KubeletCommandOptions,
  onListening?: (port: number) => void,
): KubeletProcessOptions {
  return {
    nodeName: o.nodeName,
    nodeIp: o.nodeIp,
    port: o.port,
    kubeconfigPath: o.kubeconfig,
    ...(o.bootstrapKubeconfig === undefined ? {} : { bootstrapKubeconfig: o.bootstrapKubeconfig }),
    certDir: o.certDir ?? join(dirname(o.kubeconfig), 'pki'),
    runtime:
      o.runtime === 'hollow'
        ? new HollowRuntime()
        : new DockerRuntime({ socketPath: o.dockerSocket }),
    kubelet: {
      ...(o.clusterId === '' ? {} : { clusterId: o.clusterId }),
      labels: parseNodeLabels(o.nodeLabels),
      heartbeatMs: o.nodeStatusUpdateFrequency * 1000,
      syncPeriodMs: o.syncFrequency * 1000,
    },
    logger: consoleLogger(`kubelet ${o.nodeName}`, !o.verbose),
    ...(onListening ? { onListening } : {}),
  };
}

/** `flotilla-kubelet`: TLS bootstrap, then the node agent until the signal. */
export const kubeletCommand: Command<KubeletCommandOptions> = {
  name: 'flotilla-kubelet',
  usage: kubeletUsage,
  parse: (argv) => {
    const { help, ...partial } = parseKubeletArgs(argv);
    return { opts: resolveKubeletOptions(partial), help: help === true };
  },
  validate: validateKubeletOptions,
  run: async (opts, deps) => {
    const proc = kubeletProcessOptions(opts, (port) => {
      deps.stdout(`kubelet ${opts.nodeName}: API https://${opts.nodeIp}:${String(port)}\n`);
    });
    try {
      await runKubeletProcess(proc, deps.signal);
      return ExitCode.Ok;
    } catch (err) {
      // stopped while still waiting for a certificate: a clean shutdown
      if (deps.signal.aborted) return ExitCode.Ok;
      deps.stderr(
        `kubelet ${opts.nodeName}: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      return ExitCode.Failed;
    }
  },
};

/** argv → options → validate → TLS bootstrap → kubelet until the signal → exit code. */
export function runKubelet(argv: string[], deps: CommandDeps): Promise<number> {
  return runCommand(kubeletCommand, argv, deps);
}
