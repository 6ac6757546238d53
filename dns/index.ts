/**
 * Public API of the DNS area: the member cluster DNS server and the central resolver.
 * `createClusterDns` matches member/cluster's ClusterDnsFactory contract.
 */
import type { KubeClient } from '../machinery/client/kube-client.js';
import { ClusterDnsServer } from './cluster-dns/cluster-dns-server.js';
import { InformerCatalog } from './cluster-dns/informer-catalog.js';

export {
  ClusterDnsServer,
  type ClusterDnsServerOptions,
} from './cluster-dns/cluster-dns-server.js';
export { ClusterRecords, DNS_SCHEMA_VERSION } from './cluster-dns/cluster-records.js';
export { InformerCatalog } from './cluster-dns/informer-catalog.js';
export {
  StaticCatalog,
  type ServiceCatalog,
  type DnsService,
  type DnsEndpoints,
} from './cluster-dns/service-catalog.js';
export { Resolver, type ResolverOptions } from './resolver/resolver.js';
export { RouteTable, type Route } from './resolver/route-table.js';
export { AnswerCache } from './resolver/answer-cache.js';
export {
  FederatedNames,
  type FederatedCatalog,
  type ClusterEndpoints,
  type ClusterTopology,
  type ServiceRef,
} from './resolver/federated-names.js';
export {
  ClusterSources,
  LABEL_TOPOLOGY_REGION,
  LABEL_TOPOLOGY_ZONE,
  type ClusterSourcesOptions,
} from './resolver/cluster-sources.js';
export { ClusterSetSources, type ClusterSetSourcesOptions } from './resolver/clusterset-sources.js';
export { type ClusterSetCatalog } from './resolver/clusterset-catalog.js';
export { ClusterSetNotSyncedError } from './resolver/clusterset-not-synced-error.js';
export {
  UpstreamPool,
  type UpstreamPoolOptions,
  type UpstreamCircuitState,
} from './resolver/upstream-pool.js';
export { UpstreamError } from './resolver/upstream-error.js';
export { WireError } from './wire/wire-error.js';

/** A cluster DNS server over a member's API: informers on Services/Endpoints + dns2 server. */
export function createClusterDns(ctx: {
  client: KubeClient;
  host: string;
  port: number;
  clusterDomain: string;
}): {
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
} {
  const catalog = new InformerCatalog(ctx.client);
  const server = new ClusterDnsServer({
    zone: ctx.clusterDomain,
    catalog,
    host: ctx.host,
    port: ctx.port,
  });
  const abort = new AbortController();
  return {
    start: async () => {
      await catalog.start(abort.signal);
      return server.start();
    },
    stop: async () => {
      abort.abort();
      await server.stop();
      await catalog.stopped();
    },
  };
}
