/**
 * The pieces every process of the local federation is started with: the `node dist/...` command
 * line, readiness through `/readyz`, an admin client of a cluster, and a cluster's etcd under the
 * supervisor. Used by hack/lib/local-federation.ts and hack/lib/local-member.ts.
 */
import { join } from 'node:path';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { ClusterIdentities } from './cluster-identities.js';
import { planEtcdCluster, type EtcdClientTls } from './etcd-cluster.js';
import { freePort, waitFor } from './ports.js';
import type { Supervisor } from './supervisor.js';

/** A process's plain-HTTP `/metrics`: one line of `<state>/metrics-endpoints`. */
export interface MetricsTarget {
  /** The supervisor's name of the process (`npm run local -- ps`). */
  process: string;
  /** `http://127.0.0.1:<port>/metrics`. */
  url: string;
}

/**
 * The `--metrics-bind-address` flag of `process` on a loopback port chosen now, once: a process
 * the supervisor restarts gets the same arguments, so it comes back on the same address.
 */
export async function metricsBinding(
  process: string,
): Promise<{ target: MetricsTarget; args: string[] }> {
  const address = `127.0.0.1:${String(await freePort())}`;
  return {
    target: { process, url: `http://${address}/metrics` },
    args: ['--metrics-bind-address', address],
  };
}

/** A cluster's etcd: its members run under the supervisor as `etcd-<cluster>[-i]`. */
export interface LocalEtcd {
  endpoints: string[];
  tls: EtcdClientTls;
  /** Supervisor names of the members. */
  members: string[];
}

/**
 * Starts the etcd of `cluster` (1 or 3 members, client and peer TLS) under the supervisor in
 * `group`; a crashed member is restarted on its data folder and rejoins. Resolves once every
 * member is healthy.
 */
export async function startEtcd(
  opts: { state: string },
  supervisor: Supervisor,
  cluster: string,
  members: 1 | 3,
): Promise<LocalEtcd> {
  const plan = await planEtcdCluster({
    name: `etcd-${cluster}`,
    members,
    dataDir: join(opts.state, 'etcd', cluster),
    logDir: join(opts.state, 'logs'),
    tls: true,
    tlsDir: join(opts.state, 'etcd-pki', cluster),
  });
  if (!plan.tls) throw new Error('etcd was planned without client TLS');
  // no readiness per member: a member of three is healthy only once a quorum runs
  for (const m of plan.members) {
    await supervisor.add({
      name: m.name,
      group: cluster,
      command: m.command,
      args: m.args,
      env: m.env,
    });
  }
  for (const m of plan.members) {
    await waitFor(`${m.name} to be healthy`, () => m.healthy(), 30_000, 100);
  }
  return { endpoints: plan.endpoints, tls: plan.tls, members: plan.members.map((m) => m.name) };
}

/** `node --enable-source-maps dist/<script>` with args. */
export function nodeArgs(root: string, script: string, args: string[]): string[] {
  return ['--enable-source-maps', join(root, 'dist', script), ...args];
}

/** Ready once `<url>/readyz` answers 200 to the admin client. */
export function apiReady(url: string, ids: ClusterIdentities): () => Promise<boolean> {
  const admin = ids.cert('admin');
  const client = new RestClient({
    server: url,
    certData: admin.cert,
    keyData: admin.key,
    caData: ids.pki.ca.cert,
  });
  return async () => {
    try {
      await client.request('GET', '/readyz');
      return true;
    } catch {
      return false;
    }
  };
}

export function adminClient(url: string, ids: ClusterIdentities): RestClient {
  const admin = ids.cert('admin');
  return new RestClient({
    server: url,
    certData: admin.cert,
    keyData: admin.key,
    caData: ids.pki.ca.cert,
    userAgent: 'flotilla-local-up',
  });
}
