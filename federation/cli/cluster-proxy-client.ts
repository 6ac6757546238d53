/**
 * The CLI's way into member clusters: requests through the federation's cluster proxy
 * (`/apis/cluster.flotilla.io/v1alpha1/clusters/<name>/proxy/<member path>`) with the
 * federation's credentials from the kubeconfig, so the federation authorizes `clusters/proxy` and
 * the member applies its own RBAC to the same user.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import { CLUSTERS } from '../apis/index.js';
import { RestClient, type RestClientOptions } from '../../machinery/client/rest-client.js';
import { errorFromStatus } from '../../machinery/errors/index.js';
import type { Status } from '../../machinery/meta.js';
import { federationConnection, type CommandContext } from './cli-context.js';
import { UsageError } from './errors/index.js';

/** DNS-1123 label: what a Cluster name may be. */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Parses `--clusters m1,m2` (each name once, in order). @throws UsageError on a bad name. */
export function parseClusterList(spec: string): string[] {
  const names = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new UsageError('--clusters needs at least one cluster name');
  for (const n of names) {
    if (!CLUSTER_NAME.test(n)) throw new UsageError(`invalid cluster name "${n}" in --clusters`);
  }
  return [...new Set(names)];
}

/** The proxy path prefix of a cluster, e.g. `/apis/cluster.flotilla.io/v1alpha1/clusters/m1/proxy`. */
export function clusterProxyPrefix(cluster: string): string {
  return `/apis/${CLUSTERS.group}/${CLUSTERS.version}/${CLUSTERS.resource}/${encodeURIComponent(cluster)}/proxy`;
}

/** PEM from PEM or its base64 (kubeconfig `*-data` fields). */
function pem(data: string | undefined): string | undefined {
  if (data === undefined) return undefined;
  return data.includes('BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
}

/** The whole body of a response, as text. */
async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The typed error of a non-2xx answer (a Status body, or the text as the message). */
export function statusError(code: number, text: string, what: string): Error {
  let status: Partial<Status> = {
    message: `${what}: HTTP ${String(code)}: ${text.slice(0, 200)}`,
  };
  try {
    const parsed = JSON.parse(text) as Partial<Status>;
    if (parsed.kind === 'Status') status = parsed;
  } catch {
    // not a Status: the text is the message
  }
  return errorFromStatus(status, code);
}

/** Requests to one member cluster through the federation's cluster proxy. */
export class ClusterProxyClient {
  /** The member cluster's name. */
  readonly cluster: string;
  private readonly opts: RestClientOptions;
  private readonly base: string;

  constructor(opts: RestClientOptions, cluster: string) {
    this.opts = opts;
    this.cluster = cluster;
    this.base = `${opts.server.replace(/\/+$/, '')}${clusterProxyPrefix(cluster)}`;
  }

  /** The proxy client of `cluster` for the federation of a command's kubeconfig and flags. */
  static of(ctx: Pick<CommandContext, 'global' | 'io'>, cluster: string): ClusterProxyClient {
    return new ClusterProxyClient(federationConnection(ctx.global, ctx.io.env).options, cluster);
  }

  /** A REST client whose every path goes to the member (discovery, typed get/list). */
  restClient(): RestClient {
    return new RestClient({ ...this.opts, server: this.base, userAgent: 'flotilla-cli' });
  }

  /** The URL of a member path (`/api/v1/...`) with its query. */
  url(path: string, query?: URLSearchParams): URL {
    const u = new URL(`${this.base}${path}`);
    if (query) u.search = query.toString();
    return u;
  }

  private tls(): { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean } {
    const ca = pem(this.opts.caData);
    const cert = pem(this.opts.certData);
    const key = pem(this.opts.keyData);
    return {
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
      rejectUnauthorized: this.opts.insecureSkipTLSVerify !== true,
    };
  }

  private headers(extra: Record<string, string> = {}): OutgoingHttpHeaders {
    return {
      'user-agent': this.opts.userAgent ?? 'flotilla-cli',
      ...(this.opts.token !== undefined ? { authorization: `Bearer ${this.opts.token}` } : {}),
      ...extra,
    };
  }

  /**
   * A GET whose response is returned as it streams (followed logs). Non-2xx answers become the
   * typed error of their Status. `timeoutMs` bounds the wait for the response headers only.
   */
  async stream(
    path: string,
    query?: URLSearchParams,
    timeoutMs = 30_000,
  ): Promise<IncomingMessage> {
    const u = this.url(path, query);
    const https = u.protocol === 'https:';
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = (https ? httpsRequest : httpRequest)(u, {
        method: 'GET',
        headers: this.headers({ accept: '*/*' }),
        ...(https ? this.tls() : {}),
      });
      r.setTimeout(timeoutMs, () => {
        r.destroy(new Error(`GET ${u.pathname}: no response within ${String(timeoutMs)} ms`));
      });
      r.on('response', (m) => {
        r.setTimeout(0);
        resolve(m);
      });
      r.on('error', reject);
      r.end();
    });
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw statusError(code, await readAll(res), `GET ${path}`);
    return res;
  }

  /** A GET of JSON with an `Accept` header of choice (e.g. server-side Table printing). */
  async getJson<T>(path: string, query?: URLSearchParams, accept = 'application/json'): Promise<T> {
    const u = this.url(path, query);
    const https = u.protocol === 'https:';
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = (https ? httpsRequest : httpRequest)(u, {
        method: 'GET',
        headers: this.headers({ accept }),
        ...(https ? this.tls() : {}),
      });
      r.setTimeout(30_000, () => {
        r.destroy(new Error(`GET ${u.pathname}: no response within 30000 ms`));
      });
      r.on('response', resolve);
      r.on('error', reject);
      r.end();
    });
    const text = await readAll(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw statusError(code, text, `GET ${path}`);
    return JSON.parse(text) as T;
  }

  /** A WebSocket to a member path (exec, attach) offering `protocols`. */
  websocket(path: string, query: URLSearchParams, protocols: readonly string[]): WebSocket {
    const u = this.url(path, query);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WebSocket(u, [...protocols], {
      headers: this.headers() as Record<string, string>,
      ...this.tls(),
      handshakeTimeout: 30_000,
    });
  }
}

/** Reads a refused WebSocket upgrade's answer as the typed error of its Status. */
export async function upgradeRefusal(res: IncomingMessage, what: string): Promise<Error> {
  return statusError(res.statusCode ?? 0, await readAll(res), what);
}
