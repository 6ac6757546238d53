import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Logger } from '../../machinery/controller/index.js';

/** What a cluster DNS server needs from the member cluster it serves. */
export interface ClusterDnsContext {
  /** Client of the member API (Services and Endpoints are watched through it). */
  client: KubeClient;
  /** Address to listen on (UDP and TCP). */
  host: string;
  /** Port to listen on (0 = any free port). */
  port: number;
  /** e.g. `cluster.local`. */
  clusterDomain: string;
  logger: Logger;
}

/** A running cluster DNS server. */
export interface ClusterDns {
  /** Starts serving; resolves to the bound address. */
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * Builds the cluster DNS server. The member area does not import `dns/` itself (areas only share
 * `federation/`); the entrypoint or test that owns both passes a factory over `dns/index.ts`.
 */
export type ClusterDnsFactory = (ctx: ClusterDnsContext) => ClusterDns;
