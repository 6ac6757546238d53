#!/usr/bin/env node
/**
 * Cluster DNS entrypoint: flags → {@link ClusterDnsCmdOptions} → validate → run until SIGINT/SIGTERM.
 *
 *   flotilla-cluster-dns --server http://127.0.0.1:6443 --zone member1.local --port 5353 [--workers 2]
 *   flotilla-cluster-dns --kubeconfig dns.kubeconfig --zone member1.local --port 5353
 */
import { parseArgs } from 'node:util';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { ClusterDnsServer } from '../cluster-dns/cluster-dns-server.js';
import { InformerCatalog } from '../cluster-dns/informer-catalog.js';
import { DnsQueryMetrics } from '../metrics/dns-query-metrics.js';
import {
  clusterDnsDefaults,
  validateClusterDnsOptions,
  type ClusterDnsCmdOptions,
} from './options.js';
import { isDnsWorker, superviseWorkers, workerMetricsRegistry } from './dns-workers.js';
import { runIfMain } from './run-command.js';
import { aborted } from '../../machinery/cmd/run-command.js';
import { splitHostPort } from '../../machinery/cmd/flags.js';
import {
  serveProcessMetrics,
  type ProcessMetrics,
} from '../../machinery/metrics/metrics-endpoint.js';
import { defaultLogger } from '../../machinery/log/default-logger.js';
import type { Logger } from '../../machinery/log/logger.js';

/** Serves the cluster DNS until `signal` aborts; `log`: the process's logger by default. */
export async function runClusterDns(
  opts: ClusterDnsCmdOptions,
  signal: AbortSignal,
  log: Logger = defaultLogger(),
): Promise<void> {
  const supervising = opts.workers > 1 && !isDnsWorker();
  // the primary (or a lone server) serves /metrics; workers have no endpoint of their own
  const metrics = isDnsWorker() ? undefined : await startMetrics(opts, log, supervising);
  try {
    if (supervising) {
      log.info(
        `cluster-dns: ${String(opts.workers)} workers on ${opts.host}:${String(opts.port)}`,
        {
          workers: opts.workers,
        },
      );
      await superviseWorkers('cluster-dns', opts.workers, signal);
      return;
    }
    await serve(opts, signal, log, metrics?.registry);
  } finally {
    await metrics?.close();
  }
}

/**
 * `--metrics-bind-address`, when given: process metrics over loopback HTTP; logs the URL. A lone
 * server adds its `dns_*` counters to the registry; a primary with workers appends the sum of its
 * workers' counters (AggregatorRegistry, IPC per scrape), as the resolver's primary does.
 */
async function startMetrics(
  opts: ClusterDnsCmdOptions,
  log: Logger,
  supervising: boolean,
): Promise<ProcessMetrics | undefined> {
  // validated: a loopback IP:PORT
  const hp =
    opts.metricsBindAddress !== undefined ? splitHostPort(opts.metricsBindAddress) : undefined;
  if (!hp) return undefined;
  // one aggregator per process: constructing one installs prom-client's cluster listener
  const aggregator = supervising ? new AggregatorRegistry() : undefined;
  const metrics = await serveProcessMetrics(
    hp.host,
    hp.port,
    aggregator ? () => aggregator.clusterMetrics() : undefined,
  );
  log.info(`cluster-dns: metrics on http://${metrics.address}/metrics`, {
    metrics: metrics.address,
  });
  return metrics;
}

/**
 * One server process: the informers and the DNS listener until `signal` aborts. Its counters go
 * to `registry` (a lone server's endpoint) or, in a worker with metrics on, to the primary.
 */
async function serve(
  opts: ClusterDnsCmdOptions,
  signal: AbortSignal,
  log: Logger,
  registry: Registry | undefined,
): Promise<void> {
  const client = new RestClient(
    opts.kubeconfig !== undefined
      ? { ...clientOptionsFor(loadKubeconfig(opts.kubeconfig)), userAgent: 'flotilla-cluster-dns' }
      : { server: opts.server, ...(opts.token ? { token: opts.token } : {}) },
  );
  const catalog = new InformerCatalog(client);
  await catalog.start(signal);
  const server = new ClusterDnsServer({
    zone: opts.zone,
    catalog,
    host: opts.host,
    port: opts.port,
    ttl: opts.ttl,
    reusePort: opts.workers > 1,
    metrics: new DnsQueryMetrics(
      isDnsWorker() && opts.metricsBindAddress !== undefined ? workerMetricsRegistry() : registry,
    ),
  });
  const addr = await server.start();
  log.info(
    `cluster-dns${isDnsWorker() ? ` worker ${String(process.pid)}` : ''}: zone ${opts.zone} on ${addr.host}:${String(addr.port)} (udp+tcp)`,
    { zone: opts.zone, host: addr.host, port: addr.port },
  );
  await aborted(signal);
  await server.stop();
  await catalog.stopped();
  client.close();
}

function parse(argv: string[]): ClusterDnsCmdOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      kubeconfig: { type: 'string' },
      zone: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      ttl: { type: 'string' },
      workers: { type: 'string' },
      'metrics-bind-address': { type: 'string' },
    },
  });
  return {
    server: values.server ?? '',
    ...(values.token ? { token: values.token } : {}),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    zone: values.zone ?? clusterDnsDefaults.zone,
    host: values.host ?? clusterDnsDefaults.host,
    port: values.port ? Number(values.port) : clusterDnsDefaults.port,
    ttl: values.ttl ? Number(values.ttl) : clusterDnsDefaults.ttl,
    workers: values.workers ? Number(values.workers) : clusterDnsDefaults.workers,
    ...(values['metrics-bind-address'] !== undefined
      ? { metricsBindAddress: values['metrics-bind-address'] }
      : {}),
  };
}

runIfMain(import.meta.url, {
  name: 'cluster-dns',
  usage: `usage: flotilla-cluster-dns (--kubeconfig FILE | --server URL [--token T]) [flags]
  --kubeconfig FILE   the DNS server's identity on the member API (server, client certificate, CA)
  --server URL        or: the member API URL ...
  --token TOKEN       ... and a bearer token
  --zone DOMAIN       cluster domain served (default cluster.local)
  --host ADDR         listen address (default 127.0.0.1)
  --port N            UDP and TCP port (default 5353)
  --ttl S             record TTL in seconds (default 5)
  --workers N         worker processes sharing the port (SO_REUSEPORT; default 1)
  --metrics-bind-address IP:PORT  plain-HTTP /metrics on loopback, port 0 = any (default off)
  -h, --help          show this help
`,
  parse,
  validate: validateClusterDnsOptions,
  run: runClusterDns,
});
