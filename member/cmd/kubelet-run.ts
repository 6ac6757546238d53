import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
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

/** Process-level dependencies of {@link runKubelet}. */
export interface RunKubeletDeps {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Aborted on SIGINT/SIGTERM: the kubelet stops and runKubelet resolves. */
  signal: AbortSignal;
}

/** Exit codes. */
export const KubeletExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

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

/** argv → options → validate → TLS bootstrap → kubelet until the signal → exit code. */
export async function runKubelet(argv: string[], deps: RunKubeletDeps): Promise<number> {
  let parsed: ReturnType<typeof parseKubeletArgs>;
  try {
    parsed = parseKubeletArgs(argv);
  } catch (err) {
    deps.stderr(
      `flotilla-kubelet: ${err instanceof Error ? err.message : String(err)}\n${kubeletUsage}`,
    );
    return KubeletExitCode.Usage;
  }
  if (parsed.help) {
    deps.stdout(kubeletUsage);
    return KubeletExitCode.Ok;
  }
  const { help: _help, ...partial } = parsed;
  const opts = resolveKubeletOptions(partial);
  const problems = validateKubeletOptions(opts);
  if (problems.length > 0) {
    deps.stderr(
      `flotilla-kubelet: invalid flags:\n${problems.map((p) => `  ${p.flag}: ${p.message}\n`).join('')}${kubeletUsage}`,
    );
    return KubeletExitCode.Usage;
  }
  const proc = kubeletProcessOptions(opts, (port) => {
    deps.stdout(`kubelet ${opts.nodeName}: API https://${opts.nodeIp}:${String(port)}\n`);
  });
  try {
    await runKubeletProcess(proc, deps.signal);
    return KubeletExitCode.Ok;
  } catch (err) {
    // stopped while still waiting for a certificate: a clean shutdown
    if (deps.signal.aborted) return KubeletExitCode.Ok;
    deps.stderr(`kubelet ${opts.nodeName}: ${err instanceof Error ? err.message : String(err)}\n`);
    return KubeletExitCode.Failed;
  }
}
