import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiServer, selfSignedCert, type ServingCert } from '../../federation/machinery/apiserver/index.js';
import { kubeconfigFor } from '../../federation/machinery/client/kubeconfig.js';
import { RestClient } from '../../federation/machinery/client/rest-client.js';
import { consoleLogger, ControllerManager, type Logger } from '../../federation/machinery/controller/index.js';
import { AlreadyExistsError } from '../../federation/machinery/errors/index.js';
import { InformerFactory } from '../../federation/machinery/informer/index.js';
import type { ResourceType } from '../../federation/machinery/resource-type.js';
import { EtcdStorage } from '../../federation/machinery/storage/etcd-storage.js';
import { memberResourceTypes, NAMESPACES, podType, serviceType, SERVICES, type Service } from '../apis/index.js';
import type { ControllerContext } from '../controllers/controller-context.js';
import { DeploymentController } from '../controllers/deployment/deployment-controller.js';
import { EndpointsController } from '../controllers/endpoints/endpoints-controller.js';
import { GarbageCollector } from '../controllers/garbagecollector/garbage-collector.js';
import { NamespaceController } from '../controllers/namespace/namespace-controller.js';
import { NodeLifecycleController, type NodeLifecycleOptions } from '../controllers/nodelifecycle/node-lifecycle-controller.js';
import { ReplicaSetController } from '../controllers/replicaset/replicaset-controller.js';
import { DockerRuntime, HollowRuntime, Kubelet, podLogHandler, type ContainerRuntime } from '../kubelet/index.js';
import { bindingHandler, Scheduler } from '../scheduler/index.js';
import { ClusterIpAllocator } from './cluster-ip-allocator.js';

/** Options for {@link MemberCluster}. */
export interface MemberClusterOptions {
  name: string;
  etcdEndpoint: string;
  /** etcd key prefix. @defaultValue `/flotilla/members/<name>` */
  etcdPrefix?: string;
  host?: string;
  /** API port (0 = any free port). */
  port?: number;
  nodes: number;
  runtime: 'docker' | 'hollow';
  dockerSocketPath?: string;
  /** Node N gets address `<nodeAddressPrefix><N+1>`. @defaultValue 127.0.1. */
  nodeAddressPrefix?: string;
  /** Bearer token required by the API (a federation uses it to join). */
  token?: string;
  controllers?: string;
  kubelet?: { crashLoopBaseMs?: number; heartbeatMs?: number; syncPeriodMs?: number };
  nodeLifecycle?: NodeLifecycleOptions;
  /** Where to write a kubeconfig for kubectl. */
  kubeconfigPath?: string;
  nodeLabels?: Record<string, string>;
  logger?: Logger;
}

/**
 * A whole member cluster in one process: API server on etcd, controllers, scheduler and kubelets
 * (Docker or hollow). Everything talks to the API server over HTTP, as separate processes would.
 */
export class MemberCluster {
  readonly opts: MemberClusterOptions;
  url = '';
  readonly token: string;
  private server: ApiServer | undefined;
  private storage: EtcdStorage | undefined;
  private abort: AbortController | undefined;
  private running: Promise<unknown>[] = [];
  private kubelets = new Map<string, Kubelet>();
  private clients: RestClient[] = [];
  private runtime: ContainerRuntime | undefined;
  private readonly log: Logger;
  /** The serving certificate (also the CA clients trust). */
  readonly cert: ServingCert;

  constructor(opts: MemberClusterOptions) {
    this.cert = selfSignedCert([opts.host ?? '127.0.0.1']);
    this.opts = opts;
    this.token = opts.token ?? randomBytes(16).toString('hex');
    this.log = opts.logger ?? consoleLogger(`member ${opts.name}`, true);
  }

  private newClient(): RestClient {
    const c = new RestClient({ server: this.url, token: this.token, caData: this.cert.cert, userAgent: `flotilla-member/${this.opts.name}` });
    this.clients.push(c);
    return c;
  }

  /** Starts (or restarts after stop) the cluster; state persists in etcd. */
  async start(): Promise<void> {
    const alloc = new ClusterIpAllocator();
    const svcType: ResourceType = {
      ...(serviceType as unknown as ResourceType),
      defaults: (o) => {
        (serviceType as unknown as ResourceType).defaults?.(o);
        const s = o as Service;
        if (s.spec.type !== 'ExternalName' && (s.spec.clusterIP === undefined || s.spec.clusterIP === '')) {
          s.spec.clusterIP = alloc.allocate();
          s.spec.clusterIPs = [s.spec.clusterIP];
        }
      },
    };
    const types = memberResourceTypes.map((t) => (t.plural === 'services' && t.group === '' ? svcType : t));
    this.storage = new EtcdStorage({ endpoints: [this.opts.etcdEndpoint], prefix: this.opts.etcdPrefix ?? `/flotilla/members/${this.opts.name}` });
    const storage = this.storage;
    this.server = new ApiServer({
      storage,
      resources: types,
      tokens: { [this.token]: 'admin' },
      tls: this.cert,
      ready: async () => {
        await storage.currentRevision();
        return true;
      },
    });
    this.server.registerSubresource(podType as unknown as ResourceType, 'binding', bindingHandler);
    this.server.registerSubresource(podType as unknown as ResourceType, 'log', podLogHandler((n) => this.kubelets.get(n)));
    this.url = await this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1');
    if (this.opts.kubeconfigPath) {
      mkdirSync(dirname(this.opts.kubeconfigPath), { recursive: true });
      writeFileSync(this.opts.kubeconfigPath, kubeconfigFor({ name: this.opts.name, server: this.url, token: this.token, caCert: this.cert.cert }));
    }
    const client = this.newClient();
    for (const s of (await client.resource<Service>(SERVICES).list()).items) if (s.spec.clusterIP) alloc.reserve(s.spec.clusterIP);
    for (const ns of ['default', 'kube-system', 'kube-node-lease', 'kube-public']) {
      await client.resource(NAMESPACES).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch((err: unknown) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
    }
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const informers = new InformerFactory(this.newClient());
    const ctx: ControllerContext = { client, informers, logger: this.log, now: () => new Date() };
    const manager = new ControllerManager();
    const rs = new ReplicaSetController(ctx);
    const dep = new DeploymentController(ctx);
    const ep = new EndpointsController(ctx);
    const nl = new NodeLifecycleController(ctx, this.opts.nodeLifecycle ?? {});
    const gc = new GarbageCollector(ctx);
    const nsc = new NamespaceController(ctx);
    manager.register('replicaset', (s) => rs.controller.run(s));
    manager.register('deployment', (s) => dep.controller.run(s));
    manager.register('endpoints', (s) => ep.controller.run(s));
    manager.register('nodelifecycle', (s) => nl.controller.run(s));
    manager.register('garbagecollector', (s) => gc.controller.run(s));
    manager.register('namespace', (s) => nsc.controller.run(s));
    informers.start(signal);
    const scheduler = new Scheduler({ client: this.newClient(), logger: this.log });
    this.runtime ??= this.opts.runtime === 'docker' ? new DockerRuntime({ socketPath: this.opts.dockerSocketPath ?? '/var/lib/flotilla-docker/docker.sock' }) : new HollowRuntime();
    const prefix = this.opts.nodeAddressPrefix ?? '127.0.1.';
    for (let i = 0; i < this.opts.nodes; i++) {
      const nodeName = `${this.opts.name}-node-${String(i + 1)}`;
      const k = new Kubelet({
        client: this.newClient(),
        nodeName,
        nodeAddress: `${prefix}${String(i + 1)}`,
        runtime: this.runtime,
        labels: { 'flotilla.io/cluster': this.opts.name, ...(this.opts.nodeLabels ?? {}) },
        ...(this.opts.kubelet ?? {}),
        logger: this.log,
      });
      this.kubelets.set(nodeName, k);
      this.running.push(k.run(signal).catch((err: unknown) => this.log.error(`kubelet ${nodeName}: ${String(err)}`)));
    }
    this.running.push(manager.run(signal, this.opts.controllers ?? '*'), scheduler.run(signal), informers.stopped());
  }

  /** Names of this cluster's nodes. */
  get nodeNames(): string[] {
    return [...this.kubelets.keys()];
  }

  /** A client with admin rights on this cluster. */
  client(): RestClient {
    return this.newClient();
  }

  /** Stops every component (containers keep running, as when a real control plane goes away). */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.server?.close();
    await Promise.allSettled(this.running);
    this.running = [];
    this.kubelets.clear();
    for (const c of this.clients) c.close();
    this.clients = [];
    await this.storage?.close();
  }
}
