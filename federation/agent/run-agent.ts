/** argv → options → validation → the agent, until the signal; shared by the binary and `register --run`. */
import { parseArgs } from 'node:util';
import {
  ExitCode,
  runCommand,
  type Command,
  type CommandDeps,
} from '../../machinery/cmd/run-command.js';
import { loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { splitHostPort } from '../../machinery/cmd/flags.js';
import {
  serveControllerManagerMetrics,
  type ControllerManagerMetrics,
} from '../../machinery/metrics/metrics-endpoint.js';
import { parseDuration, resolveOptions, usage, type AgentOptions } from './options.js';
import { PullAgent } from './pull-agent.js';
import { validateOptions } from './validate-options.js';

/** Process-level dependencies of {@link runAgent}. */
export interface RunAgentDeps extends CommandDeps {
  /** @defaultValue console, quiet unless --verbose */
  logger?: Logger;
}

/** Parses argv (unknown flags throw a TypeError from parseArgs). */
export function parseAgentArgs(argv: string[]): Partial<AgentOptions> & { help?: boolean } {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kubeconfig: s,
      'cluster-name': s,
      'member-kubeconfig': s,
      'heartbeat-period': s,
      'lease-duration': s,
      'resync-period': s,
      'metrics-bind-address': s,
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const d = (x: string | undefined): number | undefined =>
    x === undefined ? undefined : parseDuration(x);
  const out: Partial<AgentOptions> & { help?: boolean } = {};
  if (v.kubeconfig !== undefined) out.kubeconfig = v.kubeconfig;
  if (v['cluster-name'] !== undefined) out.clusterName = v['cluster-name'];
  if (v['member-kubeconfig'] !== undefined) out.memberKubeconfig = v['member-kubeconfig'];
  const hb = d(v['heartbeat-period']);
  if (hb !== undefined) out.heartbeatPeriodMs = hb;
  const ld = d(v['lease-duration']);
  if (ld !== undefined) out.leaseDurationMs = ld;
  const rs = d(v['resync-period']);
  if (rs !== undefined) out.resyncMs = rs;
  if (v['metrics-bind-address'] !== undefined) out.metricsBindAddress = v['metrics-bind-address'];
  if (v.verbose !== undefined) out.verbose = v.verbose;
  if (v.help !== undefined) out.help = v.help;
  return out;
}

/** A client from a kubeconfig's current context. */
export function clientFromKubeconfig(path: string, userAgent: string): RestClient {
  const c = loadKubeconfig(path);
  return new RestClient({
    server: c.server,
    ...(c.token !== undefined ? { token: c.token } : {}),
    ...(c.caData ? { caData: c.caData } : {}),
    ...(c.clientCertData && c.clientKeyData
      ? { certData: c.clientCertData, keyData: c.clientKeyData }
      : {}),
    ...(c.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
    userAgent,
  });
}

/**
 * Runs the agent of validated options until `signal` aborts, then closes its clients.
 * @throws when a kubeconfig cannot be read
 */
export async function runAgentWith(
  o: AgentOptions,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const federation = clientFromKubeconfig(o.kubeconfig, `flotilla-agent/${o.clusterName}`);
  let member: RestClient | undefined;
  let metrics: ControllerManagerMetrics | undefined;
  try {
    // validated: a loopback IP:PORT
    const hp = o.metricsBindAddress !== undefined ? splitHostPort(o.metricsBindAddress) : undefined;
    if (hp) {
      metrics = await serveControllerManagerMetrics(hp.host, hp.port, { processMetrics: true });
      logger.info(`metrics on http://${metrics.address}/metrics`);
    }
    member = clientFromKubeconfig(o.memberKubeconfig, `flotilla-agent/${o.clusterName}`);
    await new PullAgent({
      clusterName: o.clusterName,
      federation,
      member,
      logger,
      heartbeatPeriodMs: o.heartbeatPeriodMs,
      leaseDurationSeconds: o.leaseDurationMs / 1000,
      resyncMs: o.resyncMs,
      ...(metrics ? { metrics: metrics.workqueues } : {}),
    }).run(signal);
  } finally {
    federation.close();
    member?.close();
    await metrics?.close();
  }
}

/** The `flotilla-agent` command; `logger` replaces the console logger of `--verbose`. */
export function agentCommand(logger?: Logger): Command<AgentOptions> {
  return {
    name: 'flotilla-agent',
    usage,
    parse: (argv) => {
      const { help, ...partial } = parseAgentArgs(argv);
      return { opts: resolveOptions(partial), help: help === true };
    },
    validate: validateOptions,
    problemsText: (problems) =>
      problems.map((p) => `flotilla-agent: ${p.flag}: ${p.message}\n`).join(''),
    run: async (opts, deps) => {
      await runAgentWith(
        opts,
        deps.signal,
        logger ?? consoleLogger(`agent ${opts.clusterName}`, !opts.verbose),
      );
      return ExitCode.Ok;
    },
  };
}

/** The `flotilla-agent` command: exit 0 after a graceful stop, 1 on failure, 2 on bad flags. */
export function runAgent(argv: string[], deps: RunAgentDeps): Promise<number> {
  return runCommand(agentCommand(deps.logger), argv, deps);
}
