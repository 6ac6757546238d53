import { parseArgs } from 'node:util';
import { loadPki } from '../../machinery/apiserver/cluster-pki.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import {
  serveControllerManagerMetrics,
  type ControllerManagerMetrics,
} from '../../machinery/metrics/metrics-endpoint.js';
import {
  leaderElectionFlags,
  leaderElectionOptionsOf,
} from '../../machinery/leaderelection/flags.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import type { ImageGate } from '../controllers/propagation/propagation-controller.js';
import {
  runFederationControllerManager,
  type FederationControllerManagerConfig,
} from '../controllermanager/federation-controller-manager.js';
import {
  resolveOptions,
  usage,
  type FederationControllerManagerOptions,
} from '../controllermanager/options.js';
import { metricsAddress, validateOptions } from '../controllermanager/validate-options.js';
import { num, parseBool, parseDuration, withBooleanValues } from '../../machinery/cmd/flags.js';
import {
  aborted,
  ExitCode,
  runCommand,
  type Command,
  type CommandDeps,
} from '../../machinery/cmd/run-command.js';

/** Process-level dependencies of {@link runFederationControllerManagerCommand}. */
export interface RunFederationControllerManagerDeps extends CommandDeps {
  /** The image gate `--enable-promotion-gate` wires (from `registry/index.js`). */
  imageGate?: (client: KubeClient) => ImageGate;
}

const NAME = 'flotilla-federation-controller-manager';
const BOOLEANS = ['leader-elect', 'enable-promotion-gate', 'verbose', 'help'];

/** Parses argv into options (unknown flags and bad booleans throw a TypeError). */
export function parseControllerManagerArgs(
  argv: string[],
): Partial<FederationControllerManagerOptions> & { help?: boolean } {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: withBooleanValues(argv, BOOLEANS),
    strict: true,
    options: {
      kubeconfig: s,
      context: s,
      controllers: s,
      ...leaderElectionFlags,
      'cluster-probe-period': s,
      'cluster-probe-timeout': s,
      'cluster-failure-threshold': s,
      'cluster-half-open-after': s,
      'resync-period': s,
      'concurrent-propagation-syncs': s,
      'cluster-sweep-period': s,
      'enable-promotion-gate': s,
      'pki-dir': s,
      'metrics-bind-address': s,
      'clusterset-ip-range': s,
      verbose: s,
      help: s,
    },
  });
  const help = parseBool('help', v.help);
  return {
    kubeconfig: v.kubeconfig,
    context: v.context,
    controllers: v.controllers,
    ...leaderElectionOptionsOf(v),
    clusterProbePeriodMs: parseDuration(v['cluster-probe-period']),
    clusterProbeTimeoutMs: parseDuration(v['cluster-probe-timeout']),
    clusterFailureThreshold: num(v['cluster-failure-threshold']),
    clusterHalfOpenAfterMs: parseDuration(v['cluster-half-open-after']),
    resyncMs: parseDuration(v['resync-period']),
    propagationWorkers: num(v['concurrent-propagation-syncs']),
    sweepPeriodMs: parseDuration(v['cluster-sweep-period']),
    enablePromotionGate: parseBool('enable-promotion-gate', v['enable-promotion-gate']),
    pkiDir: v['pki-dir'],
    metricsBindAddress: v['metrics-bind-address'],
    clustersetIpRange: v['clusterset-ip-range'],
    verbose: parseBool('verbose', v.verbose),
    ...(help === undefined ? {} : { help }),
  } as Partial<FederationControllerManagerOptions> & { help?: boolean };
}

/** The manager's configuration from validated options (reads the kubeconfig). */
export function controllerManagerConfig(
  o: FederationControllerManagerOptions,
  deps: Pick<RunFederationControllerManagerDeps, 'imageGate'>,
  metrics: ControllerManagerMetrics | undefined,
): FederationControllerManagerConfig {
  return {
    connection: clientOptionsFor(loadKubeconfig(o.kubeconfig, o.context)),
    controllers: o.controllers,
    resyncMs: o.resyncMs,
    propagationWorkers: o.propagationWorkers,
    sweepPeriodMs: o.sweepPeriodMs,
    clustersetIpRange: o.clustersetIpRange,
    health: {
      probePeriodMs: o.clusterProbePeriodMs,
      probeTimeoutMs: o.clusterProbeTimeoutMs,
      failureThreshold: o.clusterFailureThreshold,
      halfOpenAfterMs: o.clusterHalfOpenAfterMs,
    },
    ...(o.enablePromotionGate && deps.imageGate ? { imageGate: deps.imageGate } : {}),
    ...(o.pkiDir !== undefined ? { signer: loadPki(o.pkiDir).ca } : {}),
    ...(metrics ? { metrics: metrics.workqueues } : {}),
    ...(o.leaderElect
      ? {
          leaderElection: {
            resourceName: o.leaseName,
            resourceNamespace: o.leaseNamespace,
            leaseDurationSeconds: o.leaseDurationMs / 1000,
            renewDeadlineMs: o.renewDeadlineMs,
            retryPeriodMs: o.retryPeriodMs,
          },
        }
      : {}),
    logger: consoleLogger('federation-controller-manager', !o.verbose),
  };
}

/** Runs validated options until the signal; see {@link runFederationControllerManagerCommand}. */
async function run(
  opts: FederationControllerManagerOptions,
  deps: RunFederationControllerManagerDeps,
): Promise<number> {
  let metrics: ControllerManagerMetrics | undefined;
  let manager: ReturnType<typeof runFederationControllerManager> | undefined;
  try {
    // `0` turns metrics off; `HOST:0` takes any free port (logged)
    const addr =
      opts.metricsBindAddress === '0' ? undefined : metricsAddress(opts.metricsBindAddress);
    if (addr) {
      metrics = await serveControllerManagerMetrics(addr.host, addr.port, {
        processMetrics: true,
      });
      deps.stdout(`${NAME}: metrics on http://${addr.host}:${String(metrics.port)}/metrics\n`);
    }
    const m = runFederationControllerManager(controllerManagerConfig(opts, deps, metrics));
    manager = m;
    deps.stdout(`${NAME}: started, identity ${m.identity}\n`);
    const exit = await Promise.race([m.done, aborted(deps.signal).then(() => 'signal' as const)]);
    if (exit === 'leadership-lost') {
      deps.stderr(`${NAME}: leader election lost\n`);
      return ExitCode.Failed;
    }
    await m.stop();
    await m.done;
    deps.stdout(`${NAME}: stopped\n`);
    return ExitCode.Ok;
  } finally {
    await manager?.stop();
    await metrics?.close();
  }
}

/** `flotilla-federation-controller-manager`; `--enable-promotion-gate` needs `deps.imageGate`. */
export function federationControllerManagerCommand(
  imageGate: RunFederationControllerManagerDeps['imageGate'],
): Command<FederationControllerManagerOptions> {
  return {
    name: NAME,
    usage,
    parse: (argv) => {
      const { help, ...partial } = parseControllerManagerArgs(argv);
      return { opts: resolveOptions(partial), help: help === true };
    },
    validate: (opts) => {
      const problems = validateOptions(opts);
      if (opts.enablePromotionGate && !imageGate) {
        problems.push({ flag: '--enable-promotion-gate', message: 'not available in this build' });
      }
      return problems;
    },
    run: (opts, deps) => run(opts, { ...deps, ...(imageGate ? { imageGate } : {}) }),
  };
}

/**
 * argv → options → validate → run the controllers (leader-elected by default) until the signal
 * → stop (controllers drained, Lease released) → exit 0; leadership lost → exit 1, as
 * kube-controller-manager does, so the supervisor restarts the process to compete again.
 */
export function runFederationControllerManagerCommand(
  argv: string[],
  deps: RunFederationControllerManagerDeps,
): Promise<number> {
  return runCommand(federationControllerManagerCommand(deps.imageGate), argv, deps);
}
