import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Authorizer } from '../../machinery/auth/authorizer.js';
import type { ApiServer, ServingCert } from '../../machinery/apiserver/index.js';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import type { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import type { DataProtectionOptions } from '../../machinery/apiserver/data-protection.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import type { BootstrapPolicy, Rbac } from '../../machinery/rbac/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import {
  federationAuthentication,
  inMemoryPki,
  runFederationApiServer,
  type FederationApiServer,
  type FederationApiServerConfig,
  type FederationPki,
} from '../apiserver/federation-apiserver.js';
import {
  runFederationControllerManager,
  type FederationControllerManager,
  type LeaderElectionSettings,
} from '../controllermanager/federation-controller-manager.js';
import type { FederationControllerSettings } from '../controllermanager/federation-controllers.js';
import type { ImageGate } from '../controllers/propagation/propagation-controller.js';
import { FEDERATION_CONTROLLER_USER } from './federation-bootstrap-policy.js';

export { PROPAGATED_TYPES } from '../controllermanager/federation-controllers.js';

/** Options for {@link FederationControlPlane}. */
export interface FederationControlPlaneOptions
  extends DataProtectionOptions, FederationControllerSettings {
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
  /** The federation PKI (e.g. `loadOrCreatePki`), to share with other processes. @defaultValue in memory */
  pki?: FederationPki;
  /** Extra resource types to serve (e.g. registry promotion types). */
  extraResources?: ResourceType[];
  imageGate?: ImageGate;
  /** Decides what each user may do (403 otherwise). @defaultValue RBAC ({@link Rbac}) */
  authorizer?: Authorizer;
  /** Roles and bindings reconciled at start besides the default and federation ones. */
  rbacPolicy?: BootstrapPolicy;
  /** The web dashboard's options (e.g. its web root), or false for none. @defaultValue served */
  dashboard?: FederationApiServerConfig['dashboard'];
  /** Run the in-process controller manager leader-elected. @defaultValue off */
  leaderElection?: LeaderElectionSettings;
  logger?: Logger;
}

/**
 * The federation in one process, for tests, the bench and the local set-up: one
 * {@link runFederationApiServer} plus one {@link runFederationControllerManager} (cluster-health,
 * cluster-cleanup, propagation, garbage-collector) connected to it over HTTPS with the
 * controller manager's own client certificate — the same assembly the two binaries run.
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
  /** RBAC of the API server (roles, bindings, access reviews); set by start. */
  rbac: Rbac | undefined;
  private api: FederationApiServer | undefined;
  private manager: FederationControllerManager | undefined;
  private clients: RestClient[] = [];
  private readonly log: Logger;

  constructor(opts: FederationControlPlaneOptions) {
    this.opts = opts;
    this.token = opts.token ?? randomBytes(16).toString('hex');
    // bearer tokens stay for scripts and services that hold one (opts.users: no groups)
    this.auth = federationAuthentication(opts.pki ?? inMemoryPki(), [
      { token: this.token, user: { name: 'admin', groups: [MASTERS_GROUP] } },
      ...Object.entries(opts.users ?? {}).map(([token, name]) => ({
        token,
        user: { name, groups: [] },
      })),
    ]);
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
    const o = this.opts;
    this.api = await runFederationApiServer({
      etcdEndpoints: [o.etcdEndpoint],
      ...(o.etcdPrefix !== undefined ? { etcdPrefix: o.etcdPrefix } : {}),
      ...(o.host !== undefined ? { host: o.host } : {}),
      ...(o.port !== undefined ? { port: o.port } : {}),
      authentication: this.auth,
      servingCert: this.cert,
      ...(o.extraResources ? { extraResources: o.extraResources } : {}),
      ...(o.rbacPolicy ? { rbacPolicy: o.rbacPolicy } : {}),
      ...(o.authorizer ? { authorizer: o.authorizer } : {}),
      ...(o.dashboard !== undefined ? { dashboard: o.dashboard } : {}),
      ...(o.encryptionConfig !== undefined ? { encryptionConfig: o.encryptionConfig } : {}),
      ...(o.etcdTls ? { etcdTls: o.etcdTls } : {}),
      ...(o.auditPolicyFile !== undefined ? { auditPolicyFile: o.auditPolicyFile } : {}),
      ...(o.auditLogPath !== undefined ? { auditLogPath: o.auditLogPath } : {}),
    });
    this.server = this.api.server;
    this.rbac = this.api.rbac;
    this.url = this.api.url;
    if (o.kubeconfigPath) {
      mkdirSync(dirname(o.kubeconfigPath), { recursive: true });
      writeFileSync(
        o.kubeconfigPath,
        kubeconfigFor({
          name: 'federation',
          server: this.url,
          clientCert: this.adminCert,
          caCert: this.cert.cert,
        }),
      );
    }
    const imageGate = o.imageGate;
    // the controllers run as the controller manager, not as admin, over HTTPS like the binary
    this.manager = runFederationControllerManager({
      connection: {
        server: this.url,
        certData: this.controllerCert.cert,
        keyData: this.controllerCert.key,
        caData: this.cert.cert,
      },
      ...(o.controllers !== undefined ? { controllers: o.controllers } : {}),
      ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
      ...(o.propagationWorkers !== undefined ? { propagationWorkers: o.propagationWorkers } : {}),
      ...(o.sweepPeriodMs !== undefined ? { sweepPeriodMs: o.sweepPeriodMs } : {}),
      ...(o.clusterCleanupTimeoutMs !== undefined
        ? { clusterCleanupTimeoutMs: o.clusterCleanupTimeoutMs }
        : {}),
      ...(o.health ? { health: o.health } : {}),
      // a random /24 of 127.64.0.0/10 unless given: parallel planes never share cluster-set IPs
      ...(o.clustersetIpRange !== undefined ? { clustersetIpRange: o.clustersetIpRange } : {}),
      // the served types are known here: no discovery round trip
      collectedTypes: this.api.types.map((t) => ({
        gvr: { group: t.group, version: t.version, resource: t.plural },
        namespaced: t.namespaced,
      })),
      ...(imageGate ? { imageGate: () => imageGate } : {}),
      signer: this.auth.ca,
      // the queues report on this server's /metrics
      metrics: this.api.server.metrics.workqueues,
      ...(o.leaderElection ? { leaderElection: o.leaderElection } : {}),
      logger: this.log,
    });
    this.manager.done.catch((err: unknown) => {
      this.log.error(
        `controller manager failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }

  async stop(): Promise<void> {
    // controllers first (the Lease is released through the still running API server)
    await this.manager?.stop();
    this.manager = undefined;
    for (const c of this.clients) c.close();
    this.clients = [];
    await this.api?.stop();
    this.api = undefined;
  }
}
