import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServingCert } from '../../machinery/apiserver/index.js';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { loadOrCreatePki } from '../../machinery/apiserver/cluster-pki.js';
import type { DataProtectionOptions } from '../../machinery/apiserver/data-protection.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { podType, secretType, serviceAccountType } from '../../api/index.js';
import { startMemberApiServer, type RunningMemberApiServer } from '../apiserver/index.js';
import type { NodeLifecycleOptions } from '../controllers/index.js';
import { runMemberControllerManager } from '../controllermanager/index.js';
import {
  DockerRuntime,
  HollowRuntime,
  Kubelet,
  podLogHandler,
  type ContainerRuntime,
  type KubeletOptions,
} from '../kubelet/index.js';
import { statsSummary } from '../kubelet/stats-summary.js';
import type { ClusterDns, ClusterDnsFactory } from './cluster-dns.js';
import { defaultClusterCidr } from './default-cluster-cidr.js';
import {
  CLUSTER_DNS_USER,
  CONTROLLER_MANAGER_USER,
  NODE_USER_PREFIX,
  NODES_GROUP,
  SCHEDULER_USER,
} from './member-bootstrap-policy.js';

/** Options for {@link MemberCluster}. */
export interface MemberClusterOptions extends DataProtectionOptions {
  /** Cluster name (DNS-1123 label); node names are `<name>-node-<n>`. */
  name: string;
  /** etcd client URL, e.g. `http://127.0.0.1:2379`. */
  etcdEndpoint: string;
  /** etcd key prefix. @defaultValue `/flotilla/members/<name>` */
  etcdPrefix?: string;
  /** API listen address. @defaultValue 127.0.0.1 */
  host?: string;
  /** API port (0 = any free port). @defaultValue 0 */
  port?: number;
  /** Number of kubelets (nodes). */
  nodes: number;
  runtime: 'docker' | 'hollow';
  /** dockerd socket for the docker runtime. @defaultValue /var/lib/flotilla-docker/docker.sock */
  dockerSocketPath?: string;
  /** Picks the default node address prefix `127.0.<clusterIndex>.`. @defaultValue 1 */
  clusterIndex?: number;
  /** Node N (from 0) gets address `<nodeAddressPrefix><N+1>`. @defaultValue `127.0.<clusterIndex>.` */
  nodeAddressPrefix?: string;
  /**
   * The pods' range (`--cluster-cidr`), inside 127.0.0.0/8: each Node gets a `nodeCidrMaskSize`
   * block of it, each pod an address of its node's block. @defaultValue a /20 of 127.128.0.0/9 no
   * other cluster on this machine holds ({@link defaultClusterCidr})
   */
  clusterCidr?: string;
  /** Prefix length of each node's pod CIDR (`--node-cidr-mask-size`). @defaultValue 26 */
  nodeCidrMaskSize?: number;
  /**
   * The cluster PKI folder (CA, service-account signing key; created where missing), shared with
   * out-of-process components. @defaultValue a new CA and key in memory
   */
  pkiDir?: string;
  /** Bearer token required by the API (a federation uses it to join). @defaultValue random */
  token?: string;
  /** `--controllers` spec, e.g. `*,-garbagecollector`. @defaultValue `*` */
  controllers?: string;
  /** Kubelet timings (see KubeletOptions for defaults). */
  kubelet?: Pick<
    KubeletOptions,
    | 'crashLoopBaseMs'
    | 'crashLoopMaxMs'
    | 'crashLoopResetMs'
    | 'imagePullBaseMs'
    | 'imagePullMaxMs'
    | 'heartbeatMs'
    | 'syncPeriodMs'
  >;
  nodeLifecycle?: NodeLifecycleOptions;
  /** Where to write a kubeconfig for kubectl (none when unset). */
  kubeconfigPath?: string;
  nodeLabels?: Record<string, string>;
  /** Cluster DNS server factory; no DNS when unset. */
  dns?: ClusterDnsFactory;
  /** DNS listen port (0 = any free port). @defaultValue 0 */
  dnsPort?: number;
  /** @defaultValue cluster.local */
  clusterDomain?: string;
  /**
   * The API server's `--service-cluster-ip-range` (inside 127.0.0.0/8 a service proxy can serve
   * the ClusterIPs). @defaultValue 10.96.0.0/16
   */
  serviceClusterIpRange?: string;
  /** The API server's `--service-node-port-range`. @defaultValue 30000-32767 */
  serviceNodePortRange?: string;
  logger?: Logger;
}

/**
 * A whole member cluster in one process: the member API server ({@link startMemberApiServer}),
 * the controller manager with the scheduler ({@link runMemberControllerManager}) — the same
 * assemblies the `flotilla-member-apiserver` and `flotilla-member-controller-manager` binaries
 * run — plus kubelets (Docker or hollow) and optionally the cluster DNS. Every component talks to
 * the API server over HTTPS with its own client, exactly as separate processes would.
 */
export class MemberCluster {
  readonly opts: MemberClusterOptions;
  /** Base URL of the API server (set by start). */
  url = '';
  readonly token: string;
  /** The serving certificate chain (leaf + cluster CA: also the CA bundle clients trust). */
  readonly cert: ServingCert & { clientCa: string };
  /** Authentication: the cluster CA, service-account token signer, TokenRequest, whoami. */
  readonly auth: ClusterAuthentication;
  /** Client certificate of `admin` (group system:masters): kubeconfig, tests and start-up. */
  readonly adminCert: ClientCert;
  /** Component certificates by user name, issued once (they survive stop/start). */
  private readonly componentCerts = new Map<string, ClientCert>();
  /** `host:port` of the cluster DNS, when a DNS factory was given (set by start). */
  dnsAddress: { host: string; port: number } | undefined;
  /** The member API server (set by start). */
  private apiserver: RunningMemberApiServer | undefined;
  private abort: AbortController | undefined;
  /** Uid of the kube-system namespace: the id kubelets label containers with. */
  private clusterId = '';
  private running: Promise<unknown>[] = [];
  private readonly kubelets = new Map<
    string,
    { kubelet: Kubelet; abort: AbortController; done: Promise<void> }
  >();
  private clients: RestClient[] = [];
  private runtime: ContainerRuntime | undefined;
  private dns: ClusterDns | undefined;
  private readonly log: Logger;
  /** The pods' range (chosen once: a restarted cluster's Nodes keep their podCIDRs). */
  readonly clusterCidr: string;

  constructor(opts: MemberClusterOptions) {
    this.opts = opts;
    this.clusterCidr = opts.clusterCidr ?? defaultClusterCidr();
    this.token = opts.token ?? randomBytes(16).toString('hex');
    const pki = opts.pkiDir !== undefined ? loadOrCreatePki(opts.pkiDir, opts.name) : undefined;
    this.auth = new ClusterAuthentication({
      clusterName: opts.name,
      ...(pki ? { ca: pki.ca, serviceAccountKey: pki.serviceAccountKey } : {}),
      // the bearer token stays valid for joins that hold it (flotilla join --endpoint --token)
      staticTokens: [{ token: this.token, user: { name: 'admin', groups: [MASTERS_GROUP] } }],
      types: {
        serviceAccounts: serviceAccountType,
        secrets: secretType,
        pods: podType as unknown as ResourceType,
      },
    });
    this.cert = this.auth.tls([opts.host ?? '127.0.0.1']);
    this.adminCert = this.auth.clientCert('admin', [MASTERS_GROUP]);
    this.log = opts.logger ?? consoleLogger(`member ${opts.name}`, true);
  }

  /** The kubeconfig written at start, if any. */
  get kubeconfigPath(): string | undefined {
    return this.opts.kubeconfigPath;
  }

  /** Names of this cluster's nodes. */
  get nodeNames(): string[] {
    return [...this.kubelets.keys()];
  }

  /** A client with admin rights on this cluster (closed by stop). */
  client(): RestClient {
    return this.clientAs(this.adminCert, `flotilla-member/${this.opts.name}`);
  }

  /**
   * A client of a component's own identity (closed by stop): a client certificate from the
   * cluster CA, so the component can do only what its roles in {@link memberBootstrapPolicy}
   * grant, e.g. `componentClient('system:kube-scheduler')`.
   */
  componentClient(user: string, groups: readonly string[] = []): RestClient {
    let cert = this.componentCerts.get(user);
    if (!cert) {
      cert = this.auth.clientCert(user, groups);
      this.componentCerts.set(user, cert);
    }
    return this.clientAs(cert, `flotilla-member/${this.opts.name} ${user}`);
  }

  private clientAs(cert: ClientCert, userAgent: string): RestClient {
    const c = new RestClient({
      server: this.url,
      certData: cert.cert,
      keyData: cert.key,
      caData: this.cert.cert,
      userAgent,
    });
    this.clients.push(c);
    return c;
  }

  /** Starts (or restarts after stop) the cluster; state persists in etcd. */
  async start(): Promise<void> {
    const o = this.opts;
    // the same assembly the flotilla-member-apiserver binary runs, in this process
    this.apiserver = await startMemberApiServer({
      clusterName: o.name,
      etcdEndpoints: [o.etcdEndpoint],
      ...(o.etcdPrefix !== undefined ? { etcdPrefix: o.etcdPrefix } : {}),
      ...dataProtection(o),
      auth: this.auth,
      tls: this.cert,
      // its reconcilers write as admin, as they did before the split
      loopbackCert: this.adminCert,
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 0,
      dns: () => this.dnsAddress,
      ...(o.serviceClusterIpRange !== undefined
        ? { serviceClusterIpRange: o.serviceClusterIpRange }
        : {}),
      ...(o.serviceNodePortRange !== undefined
        ? { serviceNodePortRange: o.serviceNodePortRange }
        : {}),
      podLog: podLogHandler((n) => this.kubelets.get(n)?.kubelet),
      // metrics.k8s.io from the in-process kubelets' pods and runtime
      kubeletSummary: (node) => {
        const name = node.metadata.name ?? '';
        const k = this.kubelets.get(name)?.kubelet;
        if (!k || !this.runtime) return Promise.reject(new Error(`no kubelet for node ${name}`));
        return statsSummary(name, k.boundPods(), this.runtime);
      },
      logger: this.log,
    });
    this.url = this.apiserver.url;
    this.writeKubeconfig();
    // the cluster id kubelets label their containers with (stable across restarts: it is stored)
    this.clusterId = this.apiserver.clusterId;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    // every controller and kubelet listens on this one signal
    setMaxListeners(0, signal);
    this.runtime ??=
      o.runtime === 'docker'
        ? new DockerRuntime({
            socketPath: o.dockerSocketPath ?? '/var/lib/flotilla-docker/docker.sock',
          })
        : new HollowRuntime();
    for (let i = 0; i < o.nodes; i++) this.startNode(i, signal);
    // the same assembly as flotilla-member-controller-manager; one instance, so no election.
    // Each component under its own identity (least privilege).
    this.running.push(
      runMemberControllerManager(
        {
          client: this.componentClient(CONTROLLER_MANAGER_USER),
          schedulerClient: this.componentClient(SCHEDULER_USER),
          controllers: o.controllers ?? '*',
          ...(o.nodeLifecycle ? { nodeLifecycle: o.nodeLifecycle } : {}),
          nodeIpam: { clusterCidr: this.clusterCidr, nodeCidrMaskSize: o.nodeCidrMaskSize ?? 26 },
          // the queues report on this member's /metrics
          metrics: this.apiserver.server.metrics.workqueues,
          signer: this.auth.ca,
          logger: this.log,
        },
        signal,
      ),
    );
    if (o.dns) {
      this.dns = o.dns({
        client: this.componentClient(CLUSTER_DNS_USER),
        host: o.host ?? '127.0.0.1',
        port: o.dnsPort ?? 0,
        clusterDomain: o.clusterDomain ?? 'cluster.local',
        logger: this.log,
      });
      this.dnsAddress = await this.dns.start();
      // the kube-dns Endpoints name the DNS at once, not at the next periodic reconcile
      this.apiserver.resyncDefaultServices();
    }
  }

  /** Node addresses: `<prefix><n+1>`. */
  nodeAddress(index: number): string {
    return `${this.opts.nodeAddressPrefix ?? `127.0.${String(this.opts.clusterIndex ?? 1)}.`}${String(index + 1)}`;
  }

  private startNode(i: number, parent: AbortSignal): void {
    const nodeName = `${this.opts.name}-node-${String(i + 1)}`;
    const abort = new AbortController();
    const onAbort = (): void => {
      abort.abort();
    };
    parent.addEventListener('abort', onAbort);
    const kubelet = new Kubelet({
      client: this.componentClient(`${NODE_USER_PREFIX}${nodeName}`, [NODES_GROUP]),
      nodeName,
      clusterId: this.clusterId,
      nodeAddress: this.nodeAddress(i),
      runtime: this.runtime ?? new HollowRuntime(),
      labels: { 'flotilla.io/cluster': this.opts.name, ...(this.opts.nodeLabels ?? {}) },
      ...(this.opts.kubelet ?? {}),
      logger: this.log,
    });
    const done = kubelet
      .run(abort.signal)
      .catch((err: unknown) => {
        this.log.error(`kubelet ${nodeName}: ${String(err)}`);
      })
      .finally(() => {
        parent.removeEventListener('abort', onAbort);
      });
    this.kubelets.set(nodeName, { kubelet, abort, done });
    this.running.push(done);
  }

  /**
   * Stops one kubelet (its Lease stops being renewed; its containers keep running), as when a
   * node dies. The node lifecycle controller then marks it NotReady and evicts its pods.
   */
  async stopNode(nodeName: string): Promise<void> {
    const k = this.kubelets.get(nodeName);
    if (!k) return;
    k.abort.abort();
    await k.done;
  }

  private writeKubeconfig(): void {
    const path = this.opts.kubeconfigPath;
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      kubeconfigFor({
        name: this.opts.name,
        server: this.url,
        clientCert: this.adminCert,
        caCert: this.cert.cert,
      }),
      { mode: 0o600 },
    );
  }

  /** Stops every component (containers keep running, as when a real control plane goes away). */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.dns?.stop();
    this.dns = undefined;
    await this.apiserver?.stop();
    this.apiserver = undefined;
    await Promise.allSettled(this.running);
    this.running = [];
    this.kubelets.clear();
    for (const c of this.clients) c.close();
    this.clients = [];
  }
}

/** The data-protection options that are set (exactOptionalPropertyTypes). */
function dataProtection(o: DataProtectionOptions): DataProtectionOptions {
  return {
    ...(o.encryptionConfig !== undefined ? { encryptionConfig: o.encryptionConfig } : {}),
    ...(o.etcdTls !== undefined ? { etcdTls: o.etcdTls } : {}),
    ...(o.auditPolicyFile !== undefined ? { auditPolicyFile: o.auditPolicyFile } : {}),
    ...(o.auditLogPath !== undefined ? { auditLogPath: o.auditLogPath } : {}),
  };
}
