import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import { PKI_FILES } from '../../machinery/apiserver/cluster-pki.js';
import {
  serveControllerManagerMetrics,
  type ControllerManagerMetrics,
} from '../../machinery/metrics/metrics-endpoint.js';
import { loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import {
  leaderElectionFlags,
  leaderElectionOptionsOf,
} from '../../machinery/leaderelection/flags.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import {
  runMemberControllerManager,
  type MemberControllerManagerOptions,
} from '../controllermanager/index.js';
import {
  controllerManagerUsage,
  resolveControllerManagerOptions,
  type MemberControllerManagerCmdOptions,
} from './controller-manager-options.js';
import {
  num,
  parseBool,
  parseDuration,
  splitHostPort,
  withBooleanValues,
} from '../../machinery/cmd/flags.js';
import { ExitCode, type Command, type CommandDeps } from '../../machinery/cmd/run-command.js';
import { validateControllerManagerOptions } from './validate-controller-manager-options.js';

const BOOLEAN_FLAGS = ['scheduler', 'leader-elect', 'allocate-node-cidrs'] as const;

/** Parses argv (unknown flags and non-boolean booleans throw a TypeError). */
export function parseControllerManagerArgs(argv: string[]): {
  opts: MemberControllerManagerCmdOptions;
  help: boolean;
} {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: withBooleanValues(argv, BOOLEAN_FLAGS),
    strict: true,
    allowPositionals: false,
    options: {
      kubeconfig: s,
      'scheduler-kubeconfig': s,
      controllers: s,
      scheduler: s,
      ...leaderElectionFlags,
      'node-grace-period': s,
      'pod-eviction-timeout': s,
      'metrics-bind-address': s,
      'cluster-signing-cert-file': s,
      'cluster-signing-key-file': s,
      'pki-dir': s,
      'cluster-cidr': s,
      'node-cidr-mask-size': s,
      'allocate-node-cidrs': s,
      'max-endpoints-per-slice': s,
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    opts: resolveControllerManagerOptions({
      kubeconfig: v.kubeconfig,
      schedulerKubeconfig: v['scheduler-kubeconfig'],
      controllers: v.controllers,
      scheduler: parseBool('scheduler', v.scheduler),
      ...leaderElectionOptionsOf(v),
      nodeGracePeriodMs: parseDuration(v['node-grace-period']),
      podEvictionTimeoutMs: parseDuration(v['pod-eviction-timeout']),
      metricsBindAddress: v['metrics-bind-address'],
      clusterSigningCertFile: v['cluster-signing-cert-file'],
      clusterSigningKeyFile: v['cluster-signing-key-file'],
      pkiDir: v['pki-dir'],
      clusterCidr: v['cluster-cidr'],
      nodeCidrMaskSize: num(v['node-cidr-mask-size']),
      allocateNodeCidrs: parseBool('allocate-node-cidrs', v['allocate-node-cidrs']),
      maxEndpointsPerSlice: num(v['max-endpoints-per-slice']),
      verbose: v.verbose,
    } as Partial<MemberControllerManagerCmdOptions>),
    help: v.help === true,
  };
}

/** A REST client from a kubeconfig's current context. */
export function clientFromKubeconfig(path: string, userAgent: string): RestClient {
  const c = loadKubeconfig(path);
  return new RestClient({
    server: c.server,
    userAgent,
    ...(c.token !== undefined ? { token: c.token } : {}),
    ...(c.caData !== undefined ? { caData: c.caData } : {}),
    ...(c.clientCertData !== undefined && c.clientKeyData !== undefined
      ? { certData: c.clientCertData, keyData: c.clientKeyData }
      : {}),
    ...(c.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
  });
}

/** The CA that signs kubelet CSRs: the signing files, else the PKI folder's CA, else none. */
export function clusterSigner(
  o: MemberControllerManagerCmdOptions,
): CertificateAuthority | undefined {
  const cert = o.clusterSigningCertFile ?? (o.pkiDir && join(o.pkiDir, PKI_FILES.caCert));
  const key = o.clusterSigningKeyFile ?? (o.pkiDir && join(o.pkiDir, PKI_FILES.caKey));
  if (!cert || !key) return undefined;
  return CertificateAuthority.fromPem(readFileSync(cert, 'utf8'), readFileSync(key, 'utf8'));
}

/** Runs the controller manager; exit 0 on SIGTERM, 1 when leadership is lost. */
async function run(o: MemberControllerManagerCmdOptions, deps: CommandDeps): Promise<number> {
  const log = consoleLogger('member-controller-manager', !o.verbose);
  const client = clientFromKubeconfig(o.kubeconfig, 'flotilla-member-controller-manager');
  const schedulerClient =
    o.schedulerKubeconfig !== undefined
      ? clientFromKubeconfig(o.schedulerKubeconfig, 'flotilla-member-scheduler')
      : client;
  let metrics: ControllerManagerMetrics | undefined;
  try {
    const hp = o.metricsBindAddress !== undefined ? splitHostPort(o.metricsBindAddress) : undefined;
    if (hp) {
      metrics = await serveControllerManagerMetrics(hp.host, hp.port, { processMetrics: true });
      deps.stdout(`member-controller-manager: metrics on http://${metrics.address}/metrics\n`);
    }
    const signer = clusterSigner(o);
    const identity = `${hostname()}_${randomUUID()}`;
    const opts: MemberControllerManagerOptions = {
      client,
      schedulerClient,
      controllers: o.controllers,
      scheduler: o.scheduler,
      maxEndpointsPerSlice: o.maxEndpointsPerSlice,
      nodeLifecycle: {
        gracePeriodMs: o.nodeGracePeriodMs,
        evictionTimeoutMs: o.podEvictionTimeoutMs,
      },
      ...(metrics ? { metrics: metrics.workqueues } : {}),
      ...(signer ? { signer } : {}),
      ...(o.clusterCidr !== undefined && o.allocateNodeCidrs !== false
        ? { nodeIpam: { clusterCidr: o.clusterCidr, nodeCidrMaskSize: o.nodeCidrMaskSize } }
        : {}),
      ...(o.leaderElect
        ? {
            leaderElection: {
              identity,
              leaseName: o.leaseName,
              namespace: o.leaseNamespace,
              leaseDurationSeconds: o.leaseDurationMs / 1000,
              renewDeadlineMs: o.renewDeadlineMs,
              retryPeriodMs: o.retryPeriodMs,
            },
          }
        : {}),
      logger: log,
    };
    deps.stdout(
      `member-controller-manager: started (${o.leaderElect ? `leader election as ${identity}` : 'no leader election'}, scheduler ${o.scheduler ? 'on' : 'off'})\n`,
    );
    const exit = await runMemberControllerManager(opts, deps.signal);
    if (exit === 'lost-leadership') {
      deps.stderr('member-controller-manager: leadership lost, exiting\n');
      return ExitCode.Failed;
    }
    deps.stdout('member-controller-manager: stopped\n');
    return ExitCode.Ok;
  } finally {
    await metrics?.close();
    client.close();
    schedulerClient.close();
  }
}

/** `flotilla-member-controller-manager`: the member's controllers and scheduler. */
export const memberControllerManagerCommand: Command<MemberControllerManagerCmdOptions> = {
  name: 'member-controller-manager',
  usage: controllerManagerUsage,
  parse: parseControllerManagerArgs,
  validate: validateControllerManagerOptions,
  run,
};
