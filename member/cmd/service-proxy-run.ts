import { parseArgs } from 'node:util';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { parseDuration, splitHostPort } from '../../machinery/cmd/flags.js';
import {
  ExitCode,
  runCommand,
  type Command,
  type CommandDeps,
} from '../../machinery/cmd/run-command.js';
import { defaultLogger } from '../../machinery/log/default-logger.js';
import type { Logger } from '../../machinery/log/logger.js';
import { serveProcessMetrics } from '../../machinery/metrics/metrics-endpoint.js';
import { ProxyMetrics } from '../proxy/proxy-metrics.js';
import { ServiceProxy } from '../proxy/service-proxy.js';
import {
  resolveServiceProxyOptions,
  serviceProxyUsage,
  type ServiceProxyCommandOptions,
} from './service-proxy-options.js';
import { validateServiceProxyOptions } from './service-proxy-validate-options.js';

/** Parses argv into options (unknown flags throw a TypeError from parseArgs). */
export function parseServiceProxyArgs(argv: string[]): {
  opts: ServiceProxyCommandOptions;
  help: boolean;
} {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      kubeconfig: s,
      'metrics-bind-address': s,
      'udp-idle-timeout': s,
      'connect-timeout': s,
      'bind-retry-interval': s,
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    opts: resolveServiceProxyOptions({
      kubeconfig: v.kubeconfig,
      metricsBindAddress: v['metrics-bind-address'],
      udpIdleTimeoutMs: parseDuration(v['udp-idle-timeout']),
      connectTimeoutMs: parseDuration(v['connect-timeout']),
      bindRetryMs: parseDuration(v['bind-retry-interval']),
    } as Partial<ServiceProxyCommandOptions>),
    help: v.help === true,
  };
}

/**
 * The service proxy process: its client from `--kubeconfig`, `/metrics` when asked, and the
 * {@link ServiceProxy} until `signal` aborts. `onStarted` sees the running proxy (tests, bench).
 */
export async function runServiceProxy(
  o: ServiceProxyCommandOptions,
  signal: AbortSignal,
  log: Logger = defaultLogger(),
  onStarted?: (proxy: ServiceProxy, metricsAddress: string | undefined) => void,
): Promise<void> {
  const client = new RestClient({
    ...clientOptionsFor(loadKubeconfig(o.kubeconfig)),
    userAgent: 'flotilla-service-proxy',
  });
  // validated: a loopback IP:PORT
  const hp = o.metricsBindAddress !== undefined ? splitHostPort(o.metricsBindAddress) : undefined;
  const endpoint = hp ? await serveProcessMetrics(hp.host, hp.port) : undefined;
  if (endpoint) {
    log.info(`service-proxy: metrics on http://${endpoint.address}/metrics`, {
      metrics: endpoint.address,
    });
  }
  try {
    const proxy = new ServiceProxy({
      client,
      logger: log,
      metrics: new ProxyMetrics(endpoint?.registry),
      udpIdleTimeoutMs: o.udpIdleTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      retryMs: o.bindRetryMs,
    });
    onStarted?.(proxy, endpoint?.address);
    await proxy.run(signal);
  } finally {
    await endpoint?.close();
    client.close();
  }
}

/** `flotilla-service-proxy`: serves until SIGINT/SIGTERM, then closes every listener and exits 0. */
export const serviceProxyCommand: Command<ServiceProxyCommandOptions> = {
  name: 'flotilla-service-proxy',
  usage: serviceProxyUsage,
  parse: parseServiceProxyArgs,
  validate: validateServiceProxyOptions,
  run: async (opts, deps) => {
    await runServiceProxy(opts, deps.signal, deps.log);
    deps.stdout('service-proxy: stopped\n');
    return ExitCode.Ok;
  },
};

/** argv → options → validate → the service proxy until the signal → exit code. */
export function runServiceProxyCommand(argv: string[], deps: CommandDeps): Promise<number> {
  return runCommand(serviceProxyCommand, argv, deps);
}
