import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  memberResourceTypes,
  NAMESPACES,
  SECRETS,
  SERVICES,
  secretType,
  serviceAccountType,
} from '../../api/index.js';
import { federationResourceTypes } from '../apis/index.js';
import type { Authorizer } from '../../machinery/auth/authorizer.js';
import { mergePolicies, Rbac, type BootstrapPolicy } from '../../machinery/rbac/index.js';
import {
  FEDERATION_CONTROLLER_USER,
  federationBootstrapPolicy,
} from './federation-bootstrap-policy.js';
import { ApiServer, type ServingCert } from '../../machinery/apiserver/index.js';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, ControllerManager, type Logger } from '../../machinery/controller/index.js';
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
import {
  ClusterHealthController,
  type ClusterHealthOptions,
} from '../controllers/cluster/cluster-health-controller.js';
import { ClusterCleanupController } from '../controllers/cluster/cluster-cleanup-controller.js';
import { ClusterClients, FEDERATION_SYSTEM_NAMESPACE } from '../controllers/cluster-clients.js';
import { GarbageCollectorController } from '../controllers/garbagecollector/garbage-collector-controller.js';
import {
  PropagationController,
  type ImageGate,
  type TemplateType,
} from '../controllers/propagation/propagation-controller.js';

/** Native kinds served as templates by the federation API. */
const TEMPLATE_PLURALS = new Set([
  'namespaces',
  'services',
  'configmaps',
  'secrets',
  'serviceaccounts',
  'deployments',
  'events',
]);

/** The kinds the propagation controller copies into members. */
export const PROPAGATED_TYPES: TemplateType[] = [
  { gvr: DEPLOYMENTS, kind: 'Deployment', apiVersion: 'apps/v1', status: true },
  { gvr: SERVICES, kind: 'Service', apiVersion: 'v1', status: false },
  { gvr: CONFIGMAPS, kind: 'ConfigMap', apiVersion: 'v1', status: false },
  { gvr: SECRETS, kind: 'Secret', apiVersion: 'v1', status: false },
];

/** Options for {@link FederationControlPlane}. */
export interface FederationControlPlaneOptions extends DataProtectionOptions {
  etcdEndpoint: string;
  /** @defaultValue /flotilla/federation */
  etcdPrefix?: string;
  host?: string;
  port?: number;
  /** Admin bearer token; generated when absent. */
  token?: string;
  /** More users: token → name. */
  users?: Record<string, string>;
  controllers?: string;
  kubeconfigPath?: string;
  resyncMs?: number;
  /** Templates the propagation controller reconciles at once. @defaultValue 8 */
  propagationWorkers?: number;
  /** How often Ready members are swept for objects of deleted templates. @defaultValue 60000 */
  sweepPeriodMs?: number;
  health?: Pick<
    ClusterHealthOptions,
    'probePeriodMs' | 'probeTimeoutMs' | 'failureThreshold' | 'halfOpenAfterMs'
  >;
  /** Extra resource types to serve (e.g. registry promotion types). */
  extraResources?: ResourceType[];
  imageGate?: ImageGate;
  /** Decides what each user may do (403 otherwise). @defaultValue RBAC ({@link Rbac}) */
  authorizer?: Authorizer;
  /** Roles and bindings reconciled at start besides the default and federation ones. */
  rbacPolicy?: BootstrapPolicy;
  logger?: Logger;
}

/**
 * The federation: API server on etcd plus the controllers: cluster-health, cluster-cleanup
 * (unjoin finalizer, leftover sweep), propagation and garbage-collector (orphan / foreground
 * deletion finalizers).
 */
export class FederationControlPlane {
  readonly opts: FederationControlPlaneOptions;
  readonly token: string;
  /** Serving certificate chain (leaf + federation CA: also the CA bundle clients trust). */
  readonly cert: ServingCert & { clientCa: string };
  /** Authentication: the federation CA, service-account tokens, TokenRequest, whoami. */
  readonly auth: ClusterAuthentication;
  /** Client certificate of `admin` (group system:masters): kubeconfig, tests and set-up. */
  readonly adminCert: ClientCert;
  /** Client certificate of the controller manager ({@link FEDERATION_CONTROLLER_USER}, no groups). */
  readonly controllerCert: ClientCert;
  url = '';
  server: ApiServer | undefined;
  private storage: EtcdStorage | undefined;
  private audit: AuditOptions | undefined;
  /** RBAC of the API server (roles, bindings, access reviews); set by start. */
  rbac: Rbac | undefined;
  private abort: AbortController | undefined;
  private running: Promise<unknown>[] = [];
  private clients: RestClient[] = [];
  private clusterClients: ClusterClients | undefined;
  private readonly log: Logger;

  constructor(opts: FederationControlPlaneOptions) {
    this.opts = opts;
    this.token = opts.token ?? randomBytes(16).toString('hex');
    this.auth = new ClusterAuthentication({
      clusterName: 'federation',
      // bearer tokens stay for scripts and services that hold one (opts.users: no groups)
      staticTokens: [
        { token: this.token, user: { name: 'admin', groups: [MASTERS_GROUP] } },
        ...Object.entries(opts.users ?? {}).map(([token, name]) => ({
          token,
          user: { name, groups: [] },
        })),
      ],
      types: {
        serviceAccounts: serviceAccountType,
        secrets: secretType,
      },
    });
    this.cert = this.auth.tls([opts.host ?? '127.0.0.1']);
    this.adminCert = this.auth.clientCert('admin', [MASTERS_GROUP]);
    // least privilege: the controllers get only what the bootstrap policy binds to this user
    this.controllerCert = this.auth.clientCert(FEDERATION_CONTROLLER_USER);
    this.log = opts.logger ?? consoleLogger('federation', true);
  }

  /** A client with admin rights (client certificate), or of the user a bearer token names. */
  client(token?: string): RestClient {
    return this.track(
      token !== undefined
        ? { token }
        : { certData: this.adminCert.cert, keyData: this.adminCert.key },
      'flotilla-federation',
    );
  }

  /** A client of the controller manager's own identity (its RBAC roles only). */
  controllerClient(): RestClient {
    return this.track(
      { certData: this.controllerCert.cert, keyData: this.controllerCert.key },
      'flotilla-federation/controller-manager',
    );
  }

  private track(
    creds: { token: string } | { certData: string; keyData: string },
    userAgent: string,
  ): RestClient {
    const c = new RestClient({ server: this.url, ...creds, caData: this.cert.cert, userAgent });
    this.clients.push(c);
    return c;
  }

  async start(): Promise<void> {
    this.storage = new EtcdStorage({
      endpoints: [this.opts.etcdEndpoint],
      prefix: this.opts.etcdPrefix ?? '/flotilla/federation',
      // encryption at rest and etcd client TLS
      ...protectedStorageOptions(this.opts),
    });
    const storage = this.storage;
    const types = [
      ...memberResourceTypes.filter((t) => TEMPLATE_PLURALS.has(t.plural)),
      ...federationResourceTypes,
      ...(this.opts.extraResources ?? []),
    ];
    const rbac = new Rbac({
      storage,
      servedTypes: types,
      policy: mergePolicies(
        federationBootstrapPolicy(),
        ...(this.opts.rbacPolicy ? [this.opts.rbacPolicy] : []),
      ),
    });
    this.rbac = rbac;
    this.audit = auditOptions(this.opts);
    this.server = new ApiServer({
      storage,
      resources: [...types, ...rbac.resourceTypes],
      ...(this.audit ? { audit: this.audit } : {}),
      authenticator: this.auth.authenticator,
      tls: this.cert,
      authorizer: this.opts.authorizer ?? rbac.authorizer,
      ready: async () => {
        await storage.currentRevision();
        return true;
      },
    });
    this.auth.install(this.server);
    rbac.install(this.server);
    await rbac.start();
    this.url = await this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1');
    if (this.opts.kubeconfigPath) {
      mkdirSync(dirname(this.opts.kubeconfigPath), { recursive: true });
      writeFileSync(
        this.opts.kubeconfigPath,
        kubeconfigFor({
          name: 'federation',
          server: this.url,
          clientCert: this.adminCert,
          caCert: this.cert.cert,
        }),
      );
    }
    const client = this.client();
    // kube-system holds bootstrap-token Secrets, as in a member
    for (const ns of ['default', 'kube-system', FEDERATION_SYSTEM_NAMESPACE]) {
      await client
        .resource(NAMESPACES)
        .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
        .catch((err: unknown) => {
          if (!(err instanceof AlreadyExistsError)) throw err;
        });
    }
    this.abort = new AbortController();
    const signal = this.abort.signal;
    // every informer, controller and kubelet listens on this one signal
    setMaxListeners(0, signal);
    // the controllers and their informers run as the controller manager, not as admin
    const controllerClient = this.controllerClient();
    const informers = new InformerFactory(this.controllerClient());
    // Cluster validation keeps every secretRef in FEDERATION_SYSTEM_NAMESPACE (422 otherwise)
    this.clusterClients = new ClusterClients(
      informers.for(SECRETS, { namespace: FEDERATION_SYSTEM_NAMESPACE }),
    );
    const health = new ClusterHealthController({
      client: controllerClient,
      informers,
      clients: this.clusterClients,
      logger: this.log,
      ...(this.opts.health ?? {}),
    });
    const prop = new PropagationController({
      client: controllerClient,
      informers,
      clients: this.clusterClients,
      types: PROPAGATED_TYPES,
      logger: this.log,
      ...(this.opts.resyncMs !== undefined ? { resyncMs: this.opts.resyncMs } : {}),
      ...(this.opts.propagationWorkers !== undefined
        ? { workers: this.opts.propagationWorkers }
        : {}),
      ...(this.opts.imageGate ? { imageGate: this.opts.imageGate } : {}),
    });
    const cleanup = new ClusterCleanupController({
      client: controllerClient,
      informers,
      clients: this.clusterClients,
      types: PROPAGATED_TYPES,
      logger: this.log,
      ...(this.opts.sweepPeriodMs !== undefined ? { sweepPeriodMs: this.opts.sweepPeriodMs } : {}),
    });
    const gc = new GarbageCollectorController({
      client: controllerClient,
      informers,
      types: types.map((t) => ({
        gvr: { group: t.group, version: t.version, resource: t.plural },
        namespaced: t.namespaced,
      })),
      logger: this.log,
    });
    // the queues report on this server's /metrics
    const manager = new ControllerManager(
      this.server ? { metrics: this.server.metrics.workqueues } : {},
    );
    manager.register('cluster-health', (s, m) => health.controller.run(s, m));
    manager.register('cluster-cleanup', (s, m) => cleanup.controller.run(s, m));
    manager.register('propagation', (s, m) => prop.controller.run(s, m));
    manager.register('garbage-collector', (s, m) => gc.controller.run(s, m));
    informers.start(signal);
    this.running.push(manager.run(signal, this.opts.controllers ?? '*'), informers.stopped());
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.server?.close();
    await this.audit?.sink.close();
    this.audit = undefined;
    await Promise.allSettled(this.running);
    this.running = [];
    this.clusterClients?.close();
    for (const c of this.clients) c.close();
    this.clients = [];
    await this.rbac?.stop();
    await this.storage?.close();
  }
}
