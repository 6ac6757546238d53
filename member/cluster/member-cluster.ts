import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiServer, type ServingCert } from '../../machinery/apiserver/index.js';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import type { AuditOptions } from '../../machinery/apiserver/audit-log.js';
import {
  auditOptions,
  protectedStorageOptions,
  type DataProtectionOptions,
} from '../../machinery/apiserver/data-protection.js';
import { Rbac } from '../../machinery/rbac/index.js';
import {
  NAMESPACES,
  podType,
  secretType,
  serviceAccountType,
  SERVICES,
  type Service,
} from '../../api/index.js';
import {
  EventRecorder,
  memberControllerManager,
  type ControllerContext,
  type NodeLifecycleOptions,
} from '../controllers/index.js';
import {
  DockerRuntime,
  HollowRuntime,
  Kubelet,
  podLogHandler,
  type ContainerRuntime,
  type KubeletOptions,
} from '../kubelet/index.js';
import { bindingHandler, Scheduler } from '../scheduler/index.js';
import { ClusterIpAllocator } from './cluster-ip-allocator.js';
import { ClusterIpRepairController } from './cluster-ip-repair.js';
import { DefaultServicesController, listenAddress } from './default-services.js';
import type { ClusterDns, ClusterDnsFactory } from './cluster-dns.js';
import { evictionHandler } from './eviction-handler.js';
import { servedTypes } from './served-types.js';
import {
  CLUSTER_DNS_USER,
  CONTROLLER_MANAGER_USER,
  memberBootstrapPolicy,
  NODE_USER_PREFIX,
  NODES_GROUP,
  SCHEDULER_USER,
} from './member-bootstrap-policy.js';
import { NodeRestriction } from './node-restriction.js';

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
  logger?: Logger;
}

/**
 * A whole member cluster in one process: API server on etcd, ClusterIP allocation, controllers,
 * scheduler, kubelets (Docker or hollow) and optionally the cluster DNS. Every component talks to
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
  private server: ApiServer | undefined;
  private storage: EtcdStorage | undefined;
  private audit: AuditOptions | undefined;
  /** RBAC of the API server (roles, bindings, access reviews); set by start. */
  private rbac: Rbac | undefined;
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

  constructor(opts: MemberClusterOptions) {
    this.opts = opts;
    this.token = opts.token ?? randomBytes(16).toString('hex');
    this.auth = new ClusterAuthentication({
      clusterName: opts.name,
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
    const alloc = new ClusterIpAllocator();
    this.storage = new EtcdStorage({
      endpoints: [this.opts.etcdEndpoint],
      prefix: this.opts.etcdPrefix ?? `/flotilla/members/${this.opts.name}`,
      // encryption at rest and etcd client TLS
      ...protectedStorageOptions(this.opts),
    });
    const storage = this.storage;
    const types = servedTypes(alloc);
    const rbac = new Rbac({ storage, servedTypes: types, policy: memberBootstrapPolicy() });
    this.rbac = rbac;
    const pods = podType as unknown as ResourceType;
    // kubelets: RBAC, then only their own Node, Lease and pods
    const authorizer = new NodeRestriction({
      inner: rbac.authorizer,
      getPod: (ns, name) => this.server?.registry.get(pods, ns, name),
    });
    this.audit = auditOptions(this.opts);
    this.server = new ApiServer({
      storage,
      resources: [...types, ...rbac.resourceTypes],
      ...(this.audit ? { audit: this.audit } : {}),
      authenticator: this.auth.authenticator,
      authorizer,
      tls: this.cert,
      ready: async () => {
        await storage.currentRevision();
        return true;
      },
    });
    this.auth.install(this.server);
    rbac.install(this.server);
    await rbac.start();
    this.server.registerSubresource(pods, 'binding', bindingHandler);
    this.server.registerSubresource(pods, 'eviction', evictionHandler);
    this.server.registerSubresource(
      pods,
      'log',
      podLogHandler((n) => this.kubelets.get(n)?.kubelet),
    );
    this.url = await this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1');
    this.writeKubeconfig();
    const client = this.client();
    for (const s of (await client.resource<Service>(SERVICES).list()).items) {
      if (s.spec.clusterIP) alloc.reserve(s.spec.clusterIP);
    }
    await this.ensureNamespaces(client);
    // the cluster id kubelets label their containers with (stable across restarts: it is stored)
    this.clusterId = (await client.resource(NAMESPACES).get('kube-system')).metadata.uid ?? '';
    this.abort = new AbortController();
    const signal = this.abort.signal;
    // every informer, controller and kubelet listens on this one signal
    setMaxListeners(0, signal);
    // each component under its own identity (least privilege); admin only for the set-up above
    const cmClient = this.componentClient(CONTROLLER_MANAGER_USER);
    const informers = new InformerFactory(this.componentClient(CONTROLLER_MANAGER_USER));
    const now = (): Date => new Date();
    const recorder = new EventRecorder({
      client: cmClient,
      component: 'controller-manager',
      logger: this.log,
      now,
    });
    const ctx: ControllerContext = { client: cmClient, informers, logger: this.log, now, recorder };
    const manager = memberControllerManager(ctx, {
      ...(this.opts.nodeLifecycle ? { nodeLifecycle: this.opts.nodeLifecycle } : {}),
      // the queues report on this member's /metrics
      ...(this.server ? { metrics: this.server.metrics.workqueues } : {}),
    });
    const repair = new ClusterIpRepairController({ informers, allocator: alloc, logger: this.log });
    // `kubernetes` and `kube-dns`, written as the API server itself (admin), as kube-apiserver does
    const defaults = new DefaultServicesController({
      client,
      informers,
      logger: this.log,
      dns: () => this.dnsAddress,
      apiServer: () => listenAddress(this.url),
    });
    informers.start(signal);
    const scheduler = new Scheduler({
      client: this.componentClient(SCHEDULER_USER),
      logger: this.log,
    });
    this.runtime ??=
      this.opts.runtime === 'docker'
        ? new DockerRuntime({
            socketPath: this.opts.dockerSocketPath ?? '/var/lib/flotilla-docker/docker.sock',
          })
        : new HollowRuntime();
    for (let i = 0; i < this.opts.nodes; i++) this.startNode(i, signal);
    this.running.push(
      manager.run(signal, this.opts.controllers ?? '*'),
      scheduler.run(signal),
      repair.run(signal),
      informers.stopped(),
    );
    if (this.opts.dns) {
      this.dns = this.opts.dns({
        client: this.componentClient(CLUSTER_DNS_USER),
        host: this.opts.host ?? '127.0.0.1',
        port: this.opts.dnsPort ?? 0,
        clusterDomain: this.opts.clusterDomain ?? 'cluster.local',
        logger: this.log,
      });
      this.dnsAddress = await this.dns.start();
    }
    // after the DNS started: its first reconcile already writes the kube-dns Endpoints
    this.running.push(defaults.run(signal));
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

  private async ensureNamespaces(client: RestClient): Promise<void> {
    for (const ns of ['default', 'kube-system', 'kube-node-lease', 'kube-public']) {
      await client
        .resource(NAMESPACES)
        .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
        .catch((err: unknown) => {
          if (!(err instanceof AlreadyExistsError)) throw err;
        });
    }
  }

  /** Stops every component (containers keep running, as when a real control plane goes away). */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.dns?.stop();
    this.dns = undefined;
    await this.server?.close();
    await this.audit?.sink.close();
    this.audit = undefined;
    await Promise.allSettled(this.running);
    this.running = [];
    this.kubelets.clear();
    for (const c of this.clients) c.close();
    this.clients = [];
    await this.rbac?.stop();
    await this.storage?.close();
  }
}
