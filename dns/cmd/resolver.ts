#!/usr/bin/env node
/**
 * Central resolver entrypoint: flags → {@link ResolverCmdOptions} → validate → run until SIGINT/SIGTERM.
 *
 *   flotilla-resolver --port 5300 [--workers 2] --route member1.local=127.0.0.1:5353 --upstream 127.0.0.1:53 \
 *     [--federation-kubeconfig ~/.flotilla/federation.kubeconfig [--federation-context fed]] \
 *     [--client-cluster 127.0.1.0/24=member1]
 *
 * `--federation-server URL [--federation-token T]` is the plain-HTTP alternative to a kubeconfig;
 * a TLS federation with a self-signed certificate needs the kubeconfig's CA data.
 */
import { parseArgs } from 'node:util';
import { AggregatorRegistry } from 'prom-client';
import { loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { ClusterSources } from '../resolver/cluster-sources.js';
import { ClusterSetSources } from '../resolver/clusterset-sources.js';
import { FederatedNames } from '../resolver/federated-names.js';
import { Resolver } from '../resolver/resolver.js';
import { ResolverMetrics } from '../resolver/resolver-metrics.js';
import { RouteTable } from '../resolver/route-table.js';
import {
  cidrMatcher,
  federationConnection,
  resolverDefaults,
  validateResolverOptions,
  type ResolverCmdOptions,
} from './options.js';
import { isDnsWorker, superviseWorkers, workerMetricsRegistry } from './dns-workers.js';
import {
  serveMetrics,
  type MetricsEndpoint,
  type MetricsSource,
} from '../../machinery/metrics/metrics-endpoint.js';
import { runIfMain } from './run-command.js';
import { aborted } from '../../machinery/cmd/run-command.js';

/**
 * Runs the resolver (and, with a federation server, its Cluster-fed routes and its clusterset.local
 * names from ServiceImports and EndpointSlices) until `signal` aborts.
 */
export async function runResolver(opts: ResolverCmdOptions, signal: AbortSignal): Promise<void> {
  if (opts.workers > 1 && !isDnsWorker()) {
    // the readiness lines stay plain text: hack/lib/resolver-process.ts and the DNS bench match
    // them at the start of a line (`^resolver: `, `^resolver worker N:`)
    console.log(`resolver: ${String(opts.workers)} workers on ${opts.host}:${String(opts.port)}`);
    // the primary answers scrapes with the sum of its workers' counters (IPC per scrape)
    const aggregator = new AggregatorRegistry();
    const endpoint = await startMetrics(opts, {
      contentType: aggregator.contentType,
      render: () => aggregator.clusterMetrics(),
    });
    await superviseWorkers('resolver', opts.workers, signal);
    await endpoint?.close();
    return;
  }
  const metrics = new ResolverMetrics(
    opts.metricsPort !== undefined && isDnsWorker() ? workerMetricsRegistry() : undefined,
  );
  const routes = new RouteTable();
  routes.set(opts.routes);
  let sources: ClusterSources | undefined;
  let imports: ClusterSetSources | undefined;
  let client: RestClient | undefined;
  let federated: FederatedNames | undefined;
  const connection = federationConnection(opts, loadKubeconfig);
  if (connection) {
    client = new RestClient(connection);
    // static routes stay; a Cluster's spec.dns overrides a static route for the same zone
    sources = new ClusterSources(client, routes, { staticRoutes: opts.routes });
    await sources.start(signal);
    // clusterset.local answers follow the federation's ServiceImports and EndpointSlices; a
    // federation that does not serve them yet answers NXDOMAIN there until it does
    imports = new ClusterSetSources(client);
    await imports.start(signal);
    federated = new FederatedNames({
      federation: opts.federation,
      zone: opts.federationZone,
      catalog: sources,
      clusterset: imports,
      clientCluster: cidrMatcher(opts.clientClusters),
    });
  }
  const resolver = new Resolver({
    host: opts.host,
    port: opts.port,
    routes,
    upstreams: opts.upstreams,
    maxInflight: opts.maxInflight,
    maxTcpConnections: opts.maxTcpConnections,
    reusePort: opts.workers > 1,
    cache: { maxEntries: opts.cacheSize, negativeCapSeconds: opts.negativeCapSeconds },
    upstream: { timeoutMs: opts.upstreamTimeoutMs },
    ...(federated ? { federated } : {}),
    metrics,
  });
  const addr = await resolver.start();
  // a worker's counters are scraped through the primary; a lone resolver serves them itself
  const endpoint = isDnsWorker()
    ? undefined
    : await startMetrics(opts, {
        contentType: metrics.registry.contentType,
        render: () => metrics.registry.metrics(),
      });
  console.log(
    `resolver${isDnsWorker() ? ` worker ${String(process.pid)}` : ''}: ${addr.host}:${String(addr.port)} (udp+tcp), ${String(routes.all().length)} routes`,
  );
  await aborted(signal);
  await endpoint?.close();
  await resolver.stop();
  await sources?.stopped();
  await imports?.stopped();
  client?.close();
}

/** Serves `--metrics-port` when given, and logs the port (a line scripts wait for). */
async function startMetrics(
  opts: ResolverCmdOptions,
  source: MetricsSource,
): Promise<MetricsEndpoint | undefined> {
  if (opts.metricsPort === undefined) return undefined;
  // loopback only: the counters say which names are asked for, so they are not for other hosts
  const endpoint = await serveMetrics('127.0.0.1', opts.metricsPort, source);
  console.log(`resolver: metrics on http://127.0.0.1:${String(endpoint.port)}/metrics`);
  return endpoint;
}

function parse(argv: string[]): ResolverCmdOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      route: { type: 'string', multiple: true },
      upstream: { type: 'string', multiple: true },
      'federation-server': { type: 'string' },
      'federation-token': { type: 'string' },
      'federation-kubeconfig': { type: 'string' },
      'federation-context': { type: 'string' },
      federation: { type: 'string' },
      'federation-zone': { type: 'string' },
      'client-cluster': { type: 'string', multiple: true },
      'cache-size': { type: 'string' },
      'neg-cap': { type: 'string' },
      'max-inflight': { type: 'string' },
      'upstream-timeout': { type: 'string' },
      'max-tcp-connections': { type: 'string' },
      workers: { type: 'string' },
      'metrics-port': { type: 'string' },
    },
  });
  const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
  return {
    host: values.host ?? resolverDefaults.host,
    port: num(values.port, resolverDefaults.port),
    routes: (values.route ?? []).map((r) => {
      const [zone = '', servers = ''] = r.split('=');
      return { zone, servers: servers.split(',').filter((s) => s !== '') };
    }),
    upstreams: values.upstream ?? [],
    ...(values['federation-server'] ? { federationServer: values['federation-server'] } : {}),
    ...(values['federation-token'] ? { federationToken: values['federation-token'] } : {}),
    ...(values['federation-kubeconfig'] !== undefined
      ? { federationKubeconfig: values['federation-kubeconfig'] }
      : {}),
    ...(values['federation-context'] !== undefined
      ? { federationContext: values['federation-context'] }
      : {}),
    federation: values.federation ?? resolverDefaults.federation,
    federationZone: values['federation-zone'] ?? resolverDefaults.federationZone,
    clientClusters: (values['client-cluster'] ?? []).map((p) => {
      const [cidr = '', cluster = ''] = p.split('=');
      return { cidr, cluster };
    }),
    cacheSize: num(values['cache-size'], resolverDefaults.cacheSize),
    negativeCapSeconds: num(values['neg-cap'], resolverDefaults.negativeCapSeconds),
    maxInflight: num(values['max-inflight'], resolverDefaults.maxInflight),
    upstreamTimeoutMs: num(values['upstream-timeout'], resolverDefaults.upstreamTimeoutMs),
    maxTcpConnections: num(values['max-tcp-connections'], resolverDefaults.maxTcpConnections),
    workers: num(values.workers, resolverDefaults.workers),
    ...(values['metrics-port'] !== undefined
      ? { metricsPort: Number(values['metrics-port']) }
      : {}),
  };
}

runIfMain(import.meta.url, {
  name: 'resolver',
  usage: `usage: flotilla-resolver [flags]
  --host ADDR                    listen address (default 127.0.0.1)
  --port N                       UDP and TCP port (default 5353; 0 = any)
  --workers N                    worker processes sharing the port (SO_REUSEPORT; default 1)
  --route ZONE=HOST:PORT[,...]   forward names under ZONE to these servers (repeatable)
  --upstream HOST:PORT           default upstream for other names (repeatable; none = REFUSED)
  --federation-kubeconfig FILE   read Clusters, ServiceImports, EndpointSlices with it
  --federation-context NAME      context of that kubeconfig
  --federation-server URL        or: the federation API URL ...
  --federation-token TOKEN       ... and a bearer token
  --federation NAME              federation name in <svc>.<ns>.<NAME>.svc.<zone> (default flotilla)
  --federation-zone ZONE         zone of the federation-wide names, also of their region and
                                 zone names <svc>.<ns>.<NAME>.svc.[<zone>.]<region>.<ZONE>
                                 (default cluster.local)
  --client-cluster CIDR=CLUSTER  clients in CIDR prefer CLUSTER's endpoints (repeatable)
  --cache-size N                 answer cache entries (default 10000)
  --neg-cap S                    cap of negative-answer TTLs in seconds (default 30)
  --max-inflight N               forwarded queries in flight (default 1024)
  --upstream-timeout MS          forwarding timeout (default 2000)
  --max-tcp-connections N        TCP connections per client address (default 256)
  --metrics-port N               Prometheus /metrics on 127.0.0.1:N
  -h, --help                     show this help
`,
  parse,
  validate: validateResolverOptions,
  run: runResolver,
});
