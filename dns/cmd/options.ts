import { clientOptionsFor, type ContextConnection } from '../../machinery/client/kubeconfig.js';
import type { RestClientOptions } from '../../machinery/client/rest-client.js';
import { isLoopback, splitHostPort } from '../../machinery/cmd/flags.js';
import { BadRequestError } from '../../machinery/errors/index.js';

/**
 * Typed options for the two DNS entrypoints, their defaults, and validation that reports every
 * problem at once. Only `cmd/*.ts` read argv; everything below receives these objects.
 */

/** Options for `dns/cmd/cluster-dns.ts`. */
export interface ClusterDnsCmdOptions {
  /** Member API server URL the informers watch (or take it from {@link kubeconfig}). */
  server: string;
  token?: string;
  /** Kubeconfig of the DNS server's own identity (server, client certificate, CA). */
  kubeconfig?: string;
  /** Cluster domain served. @defaultValue 'cluster.local' */
  zone: string;
  /** @defaultValue '127.0.0.1' */
  host: string;
  /** UDP and TCP port. @defaultValue 5353 */
  port: number;
  /** Record TTL in seconds. @defaultValue 5 */
  ttl: number;
  /** Worker processes serving the one port (SO_REUSEPORT). @defaultValue 1 */
  workers: number;
  /**
   * `--metrics-bind-address IP:PORT`: plain-HTTP /metrics (process series) on a loopback address,
   * port 0 = any; served by the primary process. @defaultValue off
   */
  metricsBindAddress?: string;
}

/** Options for `dns/cmd/resolver.ts`. */
export interface ResolverCmdOptions {
  /** @defaultValue '127.0.0.1' */
  host: string;
  /** @defaultValue 5353 */
  port: number;
  /** Static routes `zone=host:port[,host:port]`. */
  routes: { zone: string; servers: string[] }[];
  /** Default upstreams (`host:port`) for names no route matches; empty = REFUSED. */
  upstreams: string[];
  /**
   * Federation API server whose Cluster objects feed routes and federated names. For a TLS
   * federation (self-signed CA) use {@link ResolverCmdOptions.federationKubeconfig} instead.
   */
  federationServer?: string;
  /** Bearer token for {@link ResolverCmdOptions.federationServer}. */
  federationToken?: string;
  /**
   * Kubeconfig of the federation (server, token and CA data of one context); excludes
   * `federationServer` and `federationToken`.
   */
  federationKubeconfig?: string;
  /** Context of {@link ResolverCmdOptions.federationKubeconfig}. @defaultValue its current-context */
  federationContext?: string;
  /** Federation name in `<svc>.<ns>.<federation>.svc.<zone>`. @defaultValue 'flotilla' */
  federation: string;
  /** Zone of federation-wide names. @defaultValue 'cluster.local' */
  federationZone: string;
  /** `cidr=cluster` pairs mapping client addresses to their cluster (locality preference). */
  clientClusters: { cidr: string; cluster: string }[];
  /** @defaultValue 10000 */
  cacheSize: number;
  /** Negative-cache cap in seconds. @defaultValue 30 */
  negativeCapSeconds: number;
  /** @defaultValue 1024 */
  maxInflight: number;
  /** @defaultValue 2000 */
  upstreamTimeoutMs: number;
  /** Simultaneous TCP client connections; more are closed at once. @defaultValue 256 */
  maxTcpConnections: number;
  /**
   * Worker processes receiving on the one port (SO_REUSEPORT; the kernel spreads clients over
   * them), each with its own cache. @defaultValue 1
   */
  workers: number;
  /**
   * Serve Prometheus metrics over HTTP on 127.0.0.1 at this port (0 = any free port); with
   * several workers the primary serves their sum. @defaultValue off
   */
  metricsPort?: number;
}

/** Defaults for {@link ClusterDnsCmdOptions}. */
export const clusterDnsDefaults = {
  zone: 'cluster.local',
  host: '127.0.0.1',
  port: 5353,
  ttl: 5,
  workers: 1,
} as const;

/** Defaults for {@link ResolverCmdOptions}. */
export const resolverDefaults = {
  host: '127.0.0.1',
  port: 5353,
  routes: [],
  upstreams: [],
  federation: 'flotilla',
  federationZone: 'cluster.local',
  clientClusters: [],
  cacheSize: 10_000,
  negativeCapSeconds: 30,
  maxInflight: 1024,
  upstreamTimeoutMs: 2000,
  maxTcpConnections: 256,
  workers: 1,
} as const;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const isZone = (z: string): boolean =>
  z.length > 0 &&
  z.length <= 253 &&
  z
    .replace(/\.$/, '')
    .split('.')
    .every((l) => LABEL.test(l));
const isPort = (p: number): boolean => Number.isInteger(p) && p >= 0 && p <= 65535;
const isServer = (s: string): boolean => {
  const i = s.lastIndexOf(':');
  return i > 0 && isPort(Number(s.slice(i + 1))) && s.slice(i + 1) !== '';
};
const isCidr = (c: string): boolean =>
  /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/.test(c) &&
  c
    .split('/')[0]!
    .split('.')
    .every((o) => Number(o) <= 255);

/** Every problem with cluster DNS options (empty = valid). */
export function validateClusterDnsOptions(o: ClusterDnsCmdOptions): string[] {
  const errs: string[] = [];
  if (o.kubeconfig !== undefined) {
    if (o.server !== '' || o.token !== undefined) {
      errs.push('--kubeconfig excludes --server and --token (the kubeconfig has both)');
    }
  } else if (!/^https?:\/\//.test(o.server)) {
    errs.push(`--server must be an http(s) URL, got "${o.server}"`);
  }
  if (!isZone(o.zone)) errs.push(`--zone "${o.zone}" is not a domain name`);
  if (!isPort(o.port)) errs.push(`--port ${String(o.port)} is not a port`);
  errs.push(...workerProblems(o));
  if (!Number.isInteger(o.ttl) || o.ttl < 0 || o.ttl > 3600) {
    errs.push(`--ttl must be 0..3600, got ${String(o.ttl)}`);
  }
  if (o.metricsBindAddress !== undefined) {
    const hp = splitHostPort(o.metricsBindAddress);
    if (!hp || !isPort(hp.port)) {
      errs.push(`--metrics-bind-address "${o.metricsBindAddress}" is not IP:PORT`);
    } else if (!isLoopback(hp.host)) {
      errs.push('--metrics-bind-address must be a loopback address (the endpoint has no auth)');
    }
  }
  return errs;
}

/** `--workers` is 1..64, and more than one shares an explicit port. */
function workerProblems(o: { workers: number; port: number }): string[] {
  if (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > 64) {
    return [`--workers must be 1..64, got ${String(o.workers)}`];
  }
  if (o.workers > 1 && o.port === 0) {
    return ['--workers > 1 needs an explicit --port (the workers share it)'];
  }
  return [];
}

/** Every problem with resolver options (empty = valid). */
export function validateResolverOptions(o: ResolverCmdOptions): string[] {
  const errs: string[] = [];
  if (!isPort(o.port)) errs.push(`--port ${String(o.port)} is not a port`);
  errs.push(...workerProblems(o));
  if (o.metricsPort !== undefined && !isPort(o.metricsPort)) {
    errs.push(`--metrics-port ${String(o.metricsPort)} is not a port`);
  }
  for (const r of o.routes) {
    if (!isZone(r.zone)) errs.push(`route zone "${r.zone}" is not a domain name`);
    if (r.servers.length === 0) errs.push(`route "${r.zone}" has no servers`);
    for (const s of r.servers) {
      if (!isServer(s)) errs.push(`route "${r.zone}": "${s}" is not host:port`);
    }
  }
  for (const s of o.upstreams) if (!isServer(s)) errs.push(`--upstream "${s}" is not host:port`);
  if (o.federationServer !== undefined && !/^https?:\/\//.test(o.federationServer)) {
    errs.push('--federation-server must be an http(s) URL');
  }
  if (o.federationKubeconfig !== undefined) {
    if (o.federationKubeconfig === '') errs.push('--federation-kubeconfig must be a file path');
    if (o.federationServer !== undefined || o.federationToken !== undefined) {
      errs.push(
        '--federation-kubeconfig excludes --federation-server and --federation-token (the kubeconfig has both)',
      );
    }
  } else if (o.federationContext !== undefined) {
    errs.push('--federation-context needs --federation-kubeconfig');
  }
  if (
    o.federationToken !== undefined &&
    o.federationServer === undefined &&
    o.federationKubeconfig === undefined
  ) {
    errs.push('--federation-token needs --federation-server');
  }
  if (!LABEL.test(o.federation)) errs.push(`--federation "${o.federation}" is not a DNS label`);
  if (!isZone(o.federationZone)) {
    errs.push(`--federation-zone "${o.federationZone}" is not a domain name`);
  }
  for (const c of o.clientClusters) {
    if (!isCidr(c.cidr)) errs.push(`--client-cluster "${c.cidr}" is not an IPv4 CIDR`);
  }
  if (!Number.isInteger(o.cacheSize) || o.cacheSize < 1) {
    errs.push('--cache-size must be a positive integer');
  }
  if (!(o.negativeCapSeconds >= 0)) errs.push('--neg-cap must be >= 0');
  if (!Number.isInteger(o.maxInflight) || o.maxInflight < 1) {
    errs.push('--max-inflight must be a positive integer');
  }
  if (!(o.upstreamTimeoutMs > 0)) errs.push('--upstream-timeout must be > 0');
  if (!Number.isInteger(o.maxTcpConnections) || o.maxTcpConnections < 1) {
    errs.push('--max-tcp-connections must be a positive integer');
  }
  return errs;
}

/** Maps an IPv4 address to a cluster through `cidr=cluster` pairs (first match wins). */
export function cidrMatcher(
  pairs: { cidr: string; cluster: string }[],
): (ip: string) => string | undefined {
  const toInt = (ip: string): number =>
    ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const nets = pairs.map((p) => {
    const [net = '0.0.0.0', bits = '32'] = p.cidr.split('/');
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return { base: toInt(net) & mask, mask, cluster: p.cluster };
  });
  return (ip) => {
    if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(ip)) return undefined;
    const n = toInt(ip);
    return nets.find((x) => (n & x.mask) >>> 0 === x.base)?.cluster;
  };
}

/**
 * How to reach the federation API, or undefined when the resolver runs without one: from
 * `--federation-kubeconfig` (server, token, CA data of the chosen context) or from
 * `--federation-server`/`--federation-token`. `load` reads a kubeconfig (production:
 * `loadKubeconfig`; tests pass a fake).
 * @throws BadRequestError from `load` when the file is not a kubeconfig or lacks the context.
 * @throws BadRequestError when the context's server is not an http(s) URL (same class as `load`'s).
 */
export function federationConnection(
  o: ResolverCmdOptions,
  load: (path: string, context?: string) => ContextConnection,
): RestClientOptions | undefined {
  if (o.federationKubeconfig !== undefined) {
    const c = load(o.federationKubeconfig, o.federationContext);
    if (!/^https?:\/\//.test(c.server)) {
      throw new BadRequestError(
        `--federation-kubeconfig ${o.federationKubeconfig}: context "${c.context}" has server "${c.server}", not an http(s) URL`,
      );
    }
    return clientOptionsFor(c);
  }
  if (o.federationServer === undefined) return undefined;
  return {
    server: o.federationServer,
    ...(o.federationToken !== undefined ? { token: o.federationToken } : {}),
  };
}
