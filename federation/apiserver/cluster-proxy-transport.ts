/**
 * How the cluster proxy connects to a member: the member's endpoint and the federation's
 * credentials for it, read from the Cluster's credentials Secret with the one reading every
 * federation client of a member uses ({@link clusterCredentials}), and a keep-alive agent per
 * cluster kept until the endpoint or the Secret changes.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Cluster } from '../apis/index.js';
import {
  clusterCredentials,
  type ClusterCredentialsData,
} from '../../machinery/client/cluster-credentials.js';
import type { KubeObject } from '../../machinery/meta.js';

/** TLS options of a connection to a member (PEM). */
export interface MemberTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** A connection recipe for one member API server. */
export interface MemberTransport {
  /** The member's API endpoint (`https://127.0.0.1:6443`), a base path included. */
  endpoint: URL;
  /** The federation's bearer token for the member (token credentials). */
  token?: string;
  /** CA and client certificate for TLS (certificate credentials). */
  tls: MemberTls;
  /** Pooled connections for ordinary requests (upgrades get a connection of their own). */
  agent: HttpAgent;
}

/** A credentials Secret as the proxy reads it. */
export type CredentialsSecret = KubeObject & { data?: ClusterCredentialsData };

/** PEM from PEM or its base64 (the Secret keeps client certificates as in a kubeconfig). */
function pem(data: string | undefined): string | undefined {
  if (data === undefined) return undefined;
  return data.includes('BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
}

/** Keeps one {@link MemberTransport} per cluster. */
export class ClusterProxyTransports {
  private readonly entries = new Map<string, { fingerprint: string; transport: MemberTransport }>();

  /** The transport of `cluster` with the credentials of `secret` (cached until either changes). */
  for(cluster: Cluster, secret: CredentialsSecret): MemberTransport {
    const name = cluster.metadata.name ?? '';
    const fingerprint = `${cluster.spec.apiEndpoint}|${secret.metadata.uid ?? ''}|${secret.metadata.resourceVersion ?? ''}`;
    const hit = this.entries.get(name);
    if (hit?.fingerprint === fingerprint) return hit.transport;
    hit?.transport.agent.destroy();
    const creds = clusterCredentials(secret.data);
    const endpoint = new URL(cluster.spec.apiEndpoint);
    const tls: MemberTls = {};
    const ca = pem(creds.caData);
    const cert = pem(creds.certData);
    const key = pem(creds.keyData);
    if (ca !== undefined) tls.ca = ca;
    if (cert !== undefined && key !== undefined) {
      tls.cert = cert;
      tls.key = key;
    }
    const agent =
      endpoint.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 64, ...tls })
        : new HttpAgent({ keepAlive: true, maxSockets: 64 });
    const transport: MemberTransport = {
      endpoint,
      tls,
      agent,
      ...(creds.token !== undefined ? { token: creds.token } : {}),
    };
    this.entries.set(name, { fingerprint, transport });
    return transport;
  }

  /** Closes every pooled connection. */
  close(): void {
    for (const e of this.entries.values()) e.transport.agent.destroy();
    this.entries.clear();
  }
}
