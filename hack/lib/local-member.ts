/**
 * One member cluster of the local federation as processes: its etcd, API server, controller
 * manager (scheduler inside), one kubelet per node (joined with a bootstrap token), cluster DNS and
 * service proxy.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NAMESPACES, NODES } from '../../api/index.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { LABEL_CLUSTER } from '../../member/kubelet/container-runtime.js';
import {
  CLUSTER_DNS_USER,
  CONTROLLER_MANAGER_USER,
  KUBE_PROXY_USER,
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
import { freePort, freeTcpUdpPort, waitFor } from './ports.js';
import type { Supervisor } from './supervisor.js';
import {
  adminClient,
  apiReady,
  metricsBinding,
  nodeArgs,
  startEtcd,
  type LocalEtcd,
  type MetricsTarget,
} from './local-components.js';
import type { LocalFederationOptions } from './local-federation.js';
import type { MemberAddresses } from './address-plan.js';
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
  /** `/metrics` of the controller manager, the cluster DNS and the service proxy (loopback HTTP). */
  metrics: MetricsTarget[];
  /** Its Service and pod address ranges (all loopback). */
  addresses: MemberAddresses;
}

/**
 * Kubelet API port: any free one (reported in the Node's daemonEndpoints), since node addresses
 * repeat between local federations on one machine (127.0.10i.n) and 10250 would collide.
 */
const KUBELET_PORT = 0;

/** etcd, API server, controller manager, kubelets and cluster DNS of member `i`. */
export async function startMember(
  opts: LocalFederationOptions,
  supervisor: Supervisor,
  i: number,
  addresses: MemberAddresses,
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
  const proxyKubeconfig = ids.kubeconfig('service-proxy', KUBE_PROXY_USER);
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
      '--service-cluster-ip-range',
      addresses.serviceCidr,
      ...(opts.eventTtl !== undefined ? ['--event-ttl', opts.eventTtl] : []),
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
  const cmMetrics = await metricsBinding(`${name}-controller-manager`);
  const dnsMetrics = await metricsBinding(`${name}-cluster-dns`);
  const proxyMetrics = await metricsBinding(`${name}-service-proxy`);
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
      // the nodeipam controller cuts the member's pod range into one podCIDR per node
      '--cluster-cidr',
      addresses.clusterCidr,
      '--node-cidr-mask-size',
      String(addresses.nodeCidrMaskSize),
      ...cmMetrics.args,
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
      ...dnsMetrics.args,
    ]),
  });
  // the member's kube-proxy: its 127.x ClusterIPs, node ports and cluster-set IPs
  await supervisor.add({
    name: `${name}-service-proxy`,
    group,
    command: node,
    args: nodeArgs(opts.root, 'member/cmd/service-proxy.js', [
      '--kubeconfig',
      proxyKubeconfig,
      ...proxyMetrics.args,
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
    metrics: [cmMetrics.target, dnsMetrics.target, proxyMetrics.target],
    addresses,
  };
}

/** Removes every container (running or not) of the given clusters from dockerd. */
export function removeContainers(socket: string, clusterIds: string[]): void {
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
