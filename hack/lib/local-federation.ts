/**
 * The local federation as a platform team would deploy it, on one machine: every component its
 * own OS process started from the built binaries (dist/), one etcd per cluster (the federation's
 * optionally a 3-member cluster), each process logging to `<state>/logs/<name>.log` and watched by
 * a {@link Supervisor} that restarts it with back-off. hack/local-up.ts, the topology e2e test and
 * the propagation bench all start it through {@link startLocalFederation}.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RestClient } from '../../machinery/client/rest-client.js';
import { NAMESPACES, NODES } from '../../api/index.js';
import { FEDERATION_CONTROLLER_USER } from '../../federation/server/federation-bootstrap-policy.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { LABEL_CLUSTER } from '../../member/kubelet/container-runtime.js';
import {
  CLUSTER_DNS_USER,
  CONTROLLER_MANAGER_USER,
  SCHEDULER_USER,
} from '../../member/cluster/member-bootstrap-policy.js';
import {
  clusterIdentities,
  createBootstrapToken,
  writeEtcdClientFiles,
  writeTokenKubeconfig,
  type ClusterIdentities,
} from './cluster-identities.js';
import { dataProtectionFiles } from './data-protection-files.js';
import { planEtcdCluster, type EtcdClientTls } from './etcd-cluster.js';
import { freePort, freeTcpUdpPort, waitFor } from './ports.js';
import { Supervisor } from './supervisor.js';

/** Options of {@link startLocalFederation}. */
export interface LocalFederationOptions {
  /** Repository root (dist/ must be built). */
  root: string;
  /** State folder: PKI, kubeconfigs, etcd data, logs. */
  state: string;
  members: number;
  nodes: number;
  runtime: 'docker' | 'hollow';
  /** dockerd socket (docker runtime). */
  dockerSocket?: string;
  /** etcd members of the federation's etcd. @defaultValue 1 */
  etcdMembers?: 1 | 3;
  /** Federation API servers on the same etcd. @defaultValue 1 */
  apiServers?: number;
  /** Federation controller managers (leader-elected). @defaultValue 1 */
  controllerManagers?: number;
  /** Federation-wide DNS zone; member i serves `member<i>.<zone>`. */
  zone: string;
  /** Serves the registry.flotilla.io API (promotion) and runs the image gate. */
  promotion?: { systemToken: string };
  log?: (line: string) => void;
}

/** One running member cluster. */
export interface LocalMember {
  name: string;
  url: string;
  ids: ClusterIdentities;
  /** The admin kubeconfig (system:masters) for join and kubectl. */
  adminKubeconfig: string;
  dns: { host: string; port: number };
  clusterDomain: string;
  etcd: LocalEtcd;
  /** Node name → its address (the kubelet API listens there, port in the Node's status). */
  nodes: Map<string, string>;
  /** A bootstrap kubeconfig (token) for kubelets joined by hand. */
  bootstrapKubeconfig: string;
  /** The kube-system namespace's uid: the label value of this cluster's containers. */
  clusterId: string;
}

/** The running local federation. */
export interface LocalFederation {
  supervisor: Supervisor;
  federation: {
    urls: string[];
    ids: ClusterIdentities;
    adminKubeconfig: string;
    etcd: LocalEtcd;
  };
  members: LocalMember[];
  /** Stops every process (reverse order), then the etcds. */
  stop(): Promise<void>;
}

/**
 * Kubelet API port: any free one (reported in the Node's daemonEndpoints), since node addresses
 * repeat between local federations on one machine (127.0.10i.n) and 10250 would collide.
 */
const KUBELET_PORT = 0;

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
async function startEtcd(
  opts: LocalFederationOptions,
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
function nodeArgs(root: string, script: string, args: string[]): string[] {
  return ['--enable-source-maps', join(root, 'dist', script), ...args];
}

/** Ready once `<url>/readyz` answers 200 to the admin client. */
function apiReady(url: string, ids: ClusterIdentities): () => Promise<boolean> {
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

function adminClient(url: string, ids: ClusterIdentities): RestClient {
  const admin = ids.cert('admin');
  return new RestClient({
    server: url,
    certData: admin.cert,
    keyData: admin.key,
    caData: ids.pki.ca.cert,
    userAgent: 'flotilla-local-up',
  });
}

/** Starts etcd, the federation control plane and the members; returns once all are Ready. */
export async function startLocalFederation(opts: LocalFederationOptions): Promise<LocalFederation> {
  const log = opts.log ?? ((s: string) => void s);
  const logs = join(opts.state, 'logs');
  mkdirSync(logs, { recursive: true });
  const supervisor = new Supervisor({ stateDir: opts.state, logger: log });
  await supervisor.serveControl();
  const node = process.execPath;
  const members: LocalMember[] = [];
  const stop = async (): Promise<void> => {
    await supervisor.shutdown();
    // a stopped kubelet leaves its containers (as the real one does): the set-up removes them
    if (opts.runtime === 'docker' && opts.dockerSocket) {
      removeContainers(
        opts.dockerSocket,
        members.map((m) => m.clusterId),
      );
    }
  };
  try {
    // ---- federation ----
    const fedEtcd = await startEtcd(opts, supervisor, 'federation', opts.etcdMembers ?? 1);
    const fedPorts: number[] = [];
    for (let i = 0; i < (opts.apiServers ?? 1); i++) fedPorts.push(await freePort());
    const fedUrls = fedPorts.map((p) => `https://127.0.0.1:${String(p)}`);
    const fedIds = clusterIdentities(opts.state, 'federation', fedUrls[0] ?? '');
    const fedAdmin = fedIds.kubeconfig('admin', 'admin', [MASTERS_GROUP]);
    const fedCm = fedIds.kubeconfig('controller-manager', FEDERATION_CONTROLLER_USER);
    const fedEtcdFiles = writeEtcdClientFiles(fedIds.pki.dir, fedEtcd.tls);
    const fedData = dataProtectionFiles(opts.state, 'federation');
    const tokenFile = join(fedIds.pki.dir, 'tokens.csv');
    writeFileSync(
      tokenFile,
      opts.promotion ? `${opts.promotion.systemToken},system:promotion,system:promotion\n` : '',
      { mode: 0o600 },
    );
    for (const [i, port] of fedPorts.entries()) {
      const name = `federation-apiserver${fedPorts.length > 1 ? `-${String(i)}` : ''}`;
      await supervisor.add({
        name,
        group: 'federation',
        command: node,
        args: nodeArgs(opts.root, 'federation/cmd/federation-apiserver.js', [
          '--etcd-servers',
          fedEtcd.endpoints.join(','),
          '--etcd-cafile',
          fedEtcdFiles.caFile,
          '--etcd-certfile',
          fedEtcdFiles.certFile,
          '--etcd-keyfile',
          fedEtcdFiles.keyFile,
          '--pki-dir',
          fedIds.pki.dir,
          '--bind-address',
          '127.0.0.1',
          '--secure-port',
          String(port),
          '--encryption-provider-config',
          fedData.encryptionConfig ?? '',
          '--audit-policy-file',
          fedData.auditPolicyFile ?? '',
          '--audit-log-path',
          // audit/federation.log, or federation-<i>.log for each of several API servers
          join(opts.state, 'audit', `federation${fedPorts.length > 1 ? `-${String(i)}` : ''}.log`),
          '--token-auth-file',
          tokenFile,
          ...(opts.promotion ? ['--enable-promotion'] : []),
        ]),
        ready: apiReady(`https://127.0.0.1:${String(port)}`, fedIds),
        readyTimeoutMs: 60_000,
      });
    }
    for (let i = 0; i < (opts.controllerManagers ?? 1); i++) {
      await supervisor.add({
        name: `federation-controller-manager${(opts.controllerManagers ?? 1) > 1 ? `-${String(i)}` : ''}`,
        group: 'federation',
        command: node,
        args: nodeArgs(opts.root, 'federation/cmd/federation-controller-manager.js', [
          '--kubeconfig',
          fedCm,
          // its CA signs pull-mode agents' certificates (`flotilla register`)
          '--pki-dir',
          fedIds.pki.dir,
          ...(opts.promotion ? ['--enable-promotion-gate'] : []),
        ]),
      });
    }
    // ---- members ----
    for (let i = 1; i <= opts.members; i++) {
      members.push(await startMember(opts, supervisor, i));
    }
    return {
      supervisor,
      federation: { urls: fedUrls, ids: fedIds, adminKubeconfig: fedAdmin, etcd: fedEtcd },
      members,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** etcd, API server, controller manager, kubelets and cluster DNS of member `i`. */
async function startMember(
  opts: LocalFederationOptions,
  supervisor: Supervisor,
  i: number,
): Promise<LocalMember> {
  const name = `member${String(i)}`;
  const node = process.execPath;
  const etcd = await startEtcd(opts, supervisor, name, 1);
  const port = await freePort();
  const url = `https://127.0.0.1:${String(port)}`;
  const ids = clusterIdentities(opts.state, name, url);
  const adminKubeconfig = ids.kubeconfig('admin', 'admin', [MASTERS_GROUP]);
  const cm = ids.kubeconfig('controller-manager', CONTROLLER_MANAGER_USER);
  const scheduler = ids.kubeconfig('scheduler', SCHEDULER_USER);
  const dnsKubeconfig = ids.kubeconfig('cluster-dns', CLUSTER_DNS_USER);
  const etcdFiles = writeEtcdClientFiles(ids.pki.dir, etcd.tls);
  const data = dataProtectionFiles(opts.state, name);
  const clusterDomain = `${name}.${opts.zone}`;
  const dnsPort = await freeTcpUdpPort();
  const group = name;
  await supervisor.add({
    name: `${name}-apiserver`,
    group,
    command: node,
    args: nodeArgs(opts.root, 'member/cmd/member-apiserver.js', [
      '--cluster-name',
      name,
      '--etcd-servers',
      etcd.endpoints.join(','),
      '--etcd-cafile',
      etcdFiles.caFile,
      '--etcd-certfile',
      etcdFiles.certFile,
      '--etcd-keyfile',
      etcdFiles.keyFile,
      '--pki-dir',
      ids.pki.dir,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(port),
      '--encryption-provider-config',
      data.encryptionConfig ?? '',
      '--audit-policy-file',
      data.auditPolicyFile ?? '',
      '--audit-log-path',
      data.auditLogPath ?? join(opts.state, 'audit', `${name}.log`),
      '--cluster-dns',
      `127.0.0.1:${String(dnsPort)}`,
    ]),
    ready: apiReady(url, ids),
    readyTimeoutMs: 60_000,
  });
  const admin = adminClient(url, ids);
  const kubeSystem = await admin.resource(NAMESPACES).get('kube-system');
  const token = await createBootstrapToken(admin, { description: `kubelets of ${name}` });
  admin.close();
  const bootstrapKubeconfig = join(ids.dir, 'bootstrap-kubelet.kubeconfig');
  writeTokenKubeconfig(bootstrapKubeconfig, { name, server: url, token, caCert: ids.pki.ca.cert });
  await supervisor.add({
    name: `${name}-controller-manager`,
    group,
    command: node,
    args: nodeArgs(opts.root, 'member/cmd/member-controller-manager.js', [
      '--kubeconfig',
      cm,
      '--scheduler-kubeconfig',
      scheduler,
      '--pki-dir',
      ids.pki.dir,
    ]),
  });
  const nodes = new Map<string, string>();
  for (let n = 1; n <= opts.nodes; n++) {
    const nodeName = `${name}-node-${String(n)}`;
    const address = `127.0.${String(100 + i)}.${String(n)}`;
    nodes.set(nodeName, address);
    await supervisor.add({
      name: `${name}-kubelet-${String(n)}`,
      group,
      command: node,
      args: nodeArgs(opts.root, 'member/cmd/kubelet.js', [
        '--bootstrap-kubeconfig',
        bootstrapKubeconfig,
        '--kubeconfig',
        join(ids.dir, `kubelet-${String(n)}.kubeconfig`),
        '--cert-dir',
        join(opts.state, 'kubelets', nodeName),
        '--node-name',
        nodeName,
        '--node-ip',
        address,
        '--port',
        String(KUBELET_PORT),
        '--runtime',
        opts.runtime,
        ...(opts.dockerSocket ? ['--docker-socket', opts.dockerSocket] : []),
        '--cluster-id',
        kubeSystem.metadata.uid ?? name,
      ]),
    });
  }
  await supervisor.add({
    name: `${name}-cluster-dns`,
    group,
    command: node,
    args: nodeArgs(opts.root, 'dns/cmd/cluster-dns.js', [
      '--kubeconfig',
      dnsKubeconfig,
      '--zone',
      clusterDomain,
      '--host',
      '127.0.0.1',
      '--port',
      String(dnsPort),
    ]),
  });
  await waitForNodesReady(url, ids, [...nodes.keys()]);
  return {
    name,
    url,
    ids,
    adminKubeconfig,
    dns: { host: '127.0.0.1', port: dnsPort },
    clusterDomain,
    etcd,
    nodes,
    bootstrapKubeconfig,
    clusterId: kubeSystem.metadata.uid ?? name,
  };
}

/** Removes every container (running or not) of the given clusters from dockerd. */
function removeContainers(socket: string, clusterIds: string[]): void {
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  for (const id of clusterIds) {
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABEL_CLUSTER}=${id}`], {
      env,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((c) => c !== '');
    if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { env, stdio: 'ignore' });
  }
}

/** Waits until every named Node reports Ready. */
async function waitForNodesReady(
  url: string,
  ids: ClusterIdentities,
  names: string[],
): Promise<void> {
  const admin = adminClient(url, ids);
  try {
    await waitFor(
      `nodes ${names.join(', ')} to be Ready`,
      async () => {
        const list = await admin.resource(NODES).list();
        const ready = new Set(
          list.items
            .filter((n) =>
              (
                (n as { status?: { conditions?: { type: string; status: string }[] } }).status
                  ?.conditions ?? []
              ).some((c) => c.type === 'Ready' && c.status === 'True'),
            )
            .map((n) => n.metadata.name),
        );
        return names.every((n) => ready.has(n));
      },
      60_000,
      250,
    );
  } finally {
    admin.close();
  }
}

/** A random hex token (e.g. the promotion service's system token). */
export function randomToken(): string {
  return randomBytes(16).toString('hex');
}
