import { setMaxListeners } from 'node:events';
import {
  ApiServer,
  type ServingCert,
  type SubresourceHandler,
} from '../../machinery/apiserver/index.js';
import type { AuditOptions } from '../../machinery/apiserver/audit-log.js';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import type { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import {
  auditOptions,
  protectedStorageOptions,
  type DataProtectionOptions,
} from '../../machinery/apiserver/data-protection.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import { InformerFactory, type Lister } from '../../machinery/informer/index.js';
import { Rbac } from '../../machinery/rbac/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { eventTtlFor } from '../../machinery/storage/key-ttl.js';
import { CustomResourceServing } from '../../machinery/apiextensions/index.js';
import {
  certificateSigningRequestType,
  csrApprovalHandler,
  customResourceDefinitionType,
  EPHEMERAL_CONTAINERS,
  NAMESPACES,
  nodeType,
  podType,
  PRIORITYCLASSES,
  RESOURCEQUOTAS,
  SERVICES,
  SYSTEM_PRIORITY_CLASSES,
  systemPriorityClass,
  type PriorityClass,
  type ResourceQuota,
  type Service,
} from '../../api/index.js';
import { ClusterIpAllocator } from '../cluster/cluster-ip-allocator.js';
import { ClusterIpRepairController } from '../cluster/cluster-ip-repair.js';
import { NodePortAllocator } from '../cluster/node-port-allocator.js';
import {
  DEFAULT_SERVICES_KEY,
  DefaultServicesController,
  listenAddress,
  type ListenAddress,
} from '../cluster/default-services.js';
import { ephemeralContainersHandler } from '../cluster/ephemeral-containers-handler.js';
import { evictionHandler } from '../cluster/eviction-handler.js';
import {
  KUBELET_API_CLIENT_USER,
  memberBootstrapPolicy,
} from '../cluster/member-bootstrap-policy.js';
import { NodeRestriction } from '../cluster/node-restriction.js';
import { priorityAdmission } from '../cluster/priority-admission.js';
import { quotaAdmission } from '../cluster/quota-admission.js';
import { servedTypes } from '../cluster/served-types.js';
import { bindingHandler } from '../scheduler/index.js';
import { installMetricsApi, kubeletSummaryReader, type SummaryReader } from './metrics-api.js';
import { nodeProxy } from './node-proxy.js';
import { podLogProxy } from './pod-log-proxy.js';
import { podStreamProxy, type PodStreamKind } from './pod-stream-proxy.js';
import { aborted } from '../../machinery/cmd/run-command.js';

/** The user the API server's own loopback client runs as (its reconcilers write as it). */
export const APISERVER_LOOPBACK_USER = 'system:apiserver';

/** The namespaces every member has; the API server creates them at start. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-node-lease', 'kube-public'];

/** Options for {@link startMemberApiServer} (kube-apiserver's flags, typed). */
export interface MemberApiServerOptions extends DataProtectionOptions {
  /** Cluster name (logs; the default etcd prefix). */
  clusterName: string;
  /** etcd client URLs. */
  etcdEndpoints: string[];
  /** etcd key prefix. @defaultValue `/flotilla/members/<clusterName>` */
  etcdPrefix?: string;
  /**
   * `--event-ttl`: seconds an Event is kept after its last write (etcd expires it through a
   * lease); 0 keeps Events until they are deleted. @defaultValue 3600 (kube-apiserver's 1 h)
   */
  eventTtlSeconds?: number;
  /**
   * `--watch-cache`: serve watches, lists at resourceVersion=0 and the start of updates from an
   * in-memory cache of each served type kept by one etcd watch (kube-apiserver's watch cache);
   * false reads and watches etcd for every request. @defaultValue true
   */
  watchCache?: boolean;
  /**
   * Authentication: the cluster CA (client certificates), the service-account signer and the
   * static tokens. Every API server of a cluster builds it from the same PKI folder.
   */
  auth: ClusterAuthentication;
  /** Serving certificate (chain) and client CA. @defaultValue issued by `auth` for `host` */
  tls?: ServingCert & { clientCa: string };
  /**
   * Certificate of the loopback client (group system:masters) the API server's own reconcilers
   * use. @defaultValue issued by `auth` for {@link APISERVER_LOOPBACK_USER}
   */
  loopbackCert?: ClientCert;
  /** Listen address. @defaultValue 127.0.0.1 */
  host?: string;
  /** Listen port (0 = any free port). @defaultValue 0 */
  port?: number;
  /** Where the cluster DNS listens (the kube-dns Endpoints), if the member runs one. */
  dns?: () => ListenAddress | undefined;
  /**
   * `--service-cluster-ip-range`: IPv4 CIDR (/8../28) of Service ClusterIPs; `kubernetes` gets
   * its first address and `kube-dns` its tenth. @defaultValue 10.96.0.0/16
   */
  serviceClusterIpRange?: string;
  /** `--service-node-port-range`: node ports of NodePort Services. @defaultValue 30000-32767 */
  serviceNodePortRange?: string;
  /**
   * The pods/log handler. In-process members pass the kubelets' own handler. @defaultValue the
   * proxy to the kubelets' HTTPS API, as `kube-apiserver-kubelet-client` of `auth`'s CA
   */
  podLog?: SubresourceHandler;
  /**
   * The pods/exec, pods/attach and pods/portforward handlers. @defaultValue proxies with the
   * upgrade to the kubelets' HTTPS API, as `kube-apiserver-kubelet-client` of `auth`'s CA
   */
  podStreams?: Partial<Record<PodStreamKind, SubresourceHandler>>;
  /**
   * Reads a node's Summary API for `metrics.k8s.io`. In-process members read their kubelets
   * directly. @defaultValue `GET /stats/summary` of the kubelets' HTTPS API
   */
  kubeletSummary?: SummaryReader;
  logger?: Logger;
}

/** A started member API server. */
export interface RunningMemberApiServer {
  /** Base URL, e.g. `https://127.0.0.1:6443`. */
  readonly url: string;
  readonly server: ApiServer;
  /** The serving certificate chain (also the CA bundle clients trust). */
  readonly tls: ServingCert & { clientCa: string };
  /** Uid of the kube-system namespace: the id kubelets label their containers with. */
  readonly clusterId: string;
  /** Reconciles the `kubernetes` and `kube-dns` Services now (e.g. once the DNS started). */
  resyncDefaultServices(): void;
  /** Stops serving, stops the reconcilers and closes storage. */
  stop(): Promise<void>;
}

/**
 * The member API server: the member's resources on etcd (encryption at rest, etcd TLS, audit),
 * authentication from the cluster PKI, RBAC with the member's component roles plus
 * NodeRestriction, the pods/binding, pods/eviction and pods/log subresources, and the reconcilers
 * kube-apiserver runs itself — ClusterIP allocation and repair, the system namespaces and the
 * `kubernetes`/`kube-dns` Services. Resolves once it serves.
 */
export async function startMemberApiServer(
  opts: MemberApiServerOptions,
): Promise<RunningMemberApiServer> {
  const log = opts.logger ?? consoleLogger(`member-apiserver ${opts.clusterName}`, true);
  const host = opts.host ?? '127.0.0.1';
  const alloc = new ClusterIpAllocator(
    opts.serviceClusterIpRange !== undefined ? { range: opts.serviceClusterIpRange } : {},
  );
  const nodePorts = new NodePortAllocator(
    opts.serviceNodePortRange !== undefined ? { range: opts.serviceNodePortRange } : {},
  );
  const storage = new EtcdStorage({
    endpoints: opts.etcdEndpoints,
    prefix: opts.etcdPrefix ?? `/flotilla/members/${opts.clusterName}`,
    ...protectedStorageOptions(opts),
    ttlFor: eventTtlFor(opts.eventTtlSeconds),
  });
  const types = servedTypes(alloc, nodePorts);
  const rbac = new Rbac({ storage, servedTypes: types, policy: memberBootstrapPolicy() });
  const pods = podType as unknown as ResourceType;
  const crdType = customResourceDefinitionType as unknown as ResourceType;
  const tls = opts.tls ?? opts.auth.tls([...new Set([host, '127.0.0.1'])]);
  let audit: AuditOptions | undefined;
  let server: ApiServer | undefined;
  let loopback: RestClient | undefined;
  const admissionCache: {
    classes?: Lister<PriorityClass>;
    quotas?: Lister<ResourceQuota>;
  } = {};
  let crds: CustomResourceServing | undefined;
  const abort = new AbortController();
  // every informer and reconciler of this server listens on this one signal
  setMaxListeners(0, abort.signal);
  const running: Promise<unknown>[] = [];
  const stop = async (): Promise<void> => {
    abort.abort();
    await crds?.stop();
    await server?.close();
    await audit?.sink.close();
    await Promise.allSettled(running);
    loopback?.close();
    await rbac.stop();
    await storage.close();
  };
  try {
    audit = auditOptions(opts);
    // kubelets: RBAC, then only their own Node, Lease and pods
    const authorizer = new NodeRestriction({
      inner: rbac.authorizer,
      getPod: (ns, name) => server?.registry.get(pods, ns, name),
    });
    let bootstrapped = false;
    server = new ApiServer({
      storage,
      resources: [...types, crdType, ...rbac.resourceTypes],
      // kube-apiserver's Priority (mutating) then ResourceQuota (validating, last) admission
      admission: [
        priorityAdmission(() => admissionCache.classes),
        quotaAdmission({
          quotas: () => admissionCache.quotas,
          typeOf: (group, plural) =>
            server?.discovery
              .all()
              .find((t) => t.group === group && t.plural === plural && !t.storageConversion),
        }),
      ],
      ...(audit ? { audit } : {}),
      ...(opts.watchCache === false ? { watchCache: false as const } : {}),
      authenticator: opts.auth.authenticator,
      authorizer,
      tls,
      // ready once storage answers and the start-up work (system namespaces) is done, as
      // kube-apiserver's /readyz waits for its post-start hooks
      ready: async () => {
        await storage.currentRevision();
        return bootstrapped;
      },
    });
    opts.auth.install(server);
    rbac.install(server);
    await rbac.start();
    server.registerSubresource(pods, 'binding', bindingHandler);
    server.registerSubresource(pods, 'eviction', evictionHandler);
    // kubectl debug: adds ephemeral containers (RBAC pods/ephemeralcontainers, not pods update)
    server.registerSubresource(pods, EPHEMERAL_CONTAINERS, ephemeralContainersHandler);
    // kubectl logs, exec, attach, cp and port-forward reach the kubelet of the pod's node
    // (RBAC pods/log, pods/exec, pods/attach, pods/portforward), as kube-apiserver does
    const kubeletClient = {
      clientCert: opts.auth.clientCert(KUBELET_API_CLIENT_USER),
      ca: opts.auth.ca.cert,
    };
    server.registerSubresource(pods, 'log', opts.podLog ?? podLogProxy(kubeletClient));
    for (const kind of ['exec', 'attach', 'portforward'] as const) {
      server.registerSubresource(
        pods,
        kind,
        opts.podStreams?.[kind] ?? podStreamProxy(kind, kubeletClient),
      );
    }
    // `kubectl top`: metrics.k8s.io from the kubelets' Summary API, as metrics-server serves it
    installMetricsApi(server, opts.kubeletSummary ?? kubeletSummaryReader(kubeletClient));
    // the kubelets' own endpoints (/metrics, /stats/summary) through RBAC nodes/proxy
    server.registerSubresource(nodeType, 'proxy', nodeProxy(kubeletClient));
    // `kubectl certificate approve|deny` (kubelet CSRs not auto-approved, other signers)
    server.registerSubresource(
      certificateSigningRequestType as unknown as ResourceType,
      'approval',
      csrApprovalHandler,
    );
    // CustomResourceDefinitions: the established ones are served from the first request
    crds = new CustomResourceServing({ server, crdType, logger: log });
    await crds.start();
    const url = await server.listen(opts.port ?? 0, host);
    const cert =
      opts.loopbackCert ?? opts.auth.clientCert(APISERVER_LOOPBACK_USER, [MASTERS_GROUP]);
    const client = new RestClient({
      server: url,
      certData: cert.cert,
      keyData: cert.key,
      caData: tls.cert,
      userAgent: `flotilla-member-apiserver/${opts.clusterName} loopback`,
    });
    loopback = client;
    for (const s of (await client.resource<Service>(SERVICES).list()).items) {
      if (s.spec.clusterIP) alloc.reserve(s.spec.clusterIP);
      const owner = `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
      for (const p of s.spec.ports ?? []) if (p.nodePort) nodePorts.reserve(p.nodePort, owner);
    }
    await ensureNamespaces(client);
    await ensurePriorityClasses(client);
    bootstrapped = true;
    // stable across restarts: it is stored
    const clusterId = (await client.resource(NAMESPACES).get('kube-system')).metadata.uid ?? '';
    const informers = new InformerFactory(client);
    // admission reads classes and quotas from these once they have listed
    const classes = informers.for<PriorityClass>(PRIORITYCLASSES);
    const quotas = informers.for<ResourceQuota>(RESOURCEQUOTAS);
    void Promise.all([classes.waitForSync(), quotas.waitForSync()]).then(
      () => {
        admissionCache.classes = classes;
        admissionCache.quotas = quotas;
      },
      () => undefined,
    );
    const repair = new ClusterIpRepairController({
      informers,
      allocator: alloc,
      nodePorts,
      logger: log,
    });
    // `kubernetes` and `kube-dns`, written as the API server itself, as kube-apiserver does
    const defaults = new DefaultServicesController({
      client,
      informers,
      logger: log,
      dns: opts.dns ?? (() => undefined),
      apiServer: () => listenAddress(url),
      clusterIps: { kubernetes: alloc.kubernetesIp, dns: alloc.dnsIp },
    });
    informers.start(abort.signal);
    const srv = server;
    // the API server's own queues on its /metrics, as kube-apiserver reports its controllers'
    running.push(
      repair.controller.run(abort.signal, srv.metrics.workqueues),
      defaults.controller.run(abort.signal, srv.metrics.workqueues),
      informers.stopped(),
    );
    return {
      url,
      server: srv,
      tls,
      clusterId,
      resyncDefaultServices: () => {
        defaults.controller.enqueue(DEFAULT_SERVICES_KEY);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts the member API server, serves until `signal` aborts, then stops it. */
export async function runMemberApiServer(
  opts: MemberApiServerOptions,
  signal: AbortSignal,
  onStarted?: (s: RunningMemberApiServer) => void,
): Promise<void> {
  const s = await startMemberApiServer(opts);
  try {
    onStarted?.(s);
    await aborted(signal);
  } finally {
    await s.stop();
  }
}

/** `system-node-critical` and `system-cluster-critical`, as kube-apiserver creates them at start. */
async function ensurePriorityClasses(client: RestClient): Promise<void> {
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    await client
      .resource(PRIORITYCLASSES)
      .create(systemPriorityClass(c))
      .catch((err: unknown) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
  }
}

async function ensureNamespaces(client: RestClient): Promise<void> {
  for (const ns of SYSTEM_NAMESPACES) {
    await client
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch((err: unknown) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
  }
}
