/**
 * The one assembly of a federation API server: etcd storage (encryption at rest, etcd client
 * TLS), audit, RBAC with the federation's bootstrap policy, the served types and authentication
 * from the federation PKI. The `flotilla-federation-apiserver` binary and the in-process
 * {@link FederationControlPlane} both call {@link runFederationApiServer}; N servers on the same
 * etcd prefix and the same PKI serve one federation (reads and watches go to etcd, so a write
 * through one server is seen and watched through every other).
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  certificateSigningRequestType,
  csrApprovalHandler,
  customResourceDefinitionType,
  leaseType,
  memberResourceTypes,
  namespaceType,
  secretType,
  serviceAccountType,
} from '../../api/index.js';
import { clusterType, federationResourceTypes } from '../apis/index.js';
import { Dashboard, type DashboardOptions } from '../../dashboard/index.js';
import { UnionAuthenticator } from '../../machinery/auth/authenticator.js';
import type { Authorizer } from '../../machinery/auth/authorizer.js';
import type { StaticToken } from '../../machinery/auth/static-token-authenticator.js';
import { ApiServer, type ServingCert } from '../../machinery/apiserver/index.js';
import type { AuditOptions } from '../../machinery/apiserver/audit-log.js';
import { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import {
  auditOptions,
  protectedStorageOptions,
  type DataProtectionOptions,
} from '../../machinery/apiserver/data-protection.js';
import type { SubresourceHandler } from '../../machinery/apiserver/subresource-handler.js';
import type { Logger } from '../../machinery/controller/index.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import { mergePolicies, Rbac, type BootstrapPolicy } from '../../machinery/rbac/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { eventTtlFor } from '../../machinery/storage/key-ttl.js';
import { CustomResourceServing } from '../../machinery/apiextensions/index.js';
import { FEDERATION_SYSTEM_NAMESPACE } from '../controllers/cluster-clients.js';
import { federationBootstrapPolicy } from '../server/federation-bootstrap-policy.js';
import { clusterProxyHandler } from './cluster-proxy.js';
import { ClusterProxyTransports } from './cluster-proxy-transport.js';

/** Native kinds served as templates by the federation API. */
const TEMPLATE_PLURALS = new Set([
  'namespaces',
  'services',
  'configmaps',
  'secrets',
  'serviceaccounts',
  'deployments',
  // the Deployments' revision history (deployment-history controller), read by `kubectl rollout
  // history/undo`; never propagated (members keep their own)
  'replicasets',
  // divided by the resource interpreter (a Job's completions too)
  'statefulsets',
  'jobs',
  // propagated Duplicated (no replicas): each member runs its own daemons / scheduled Jobs
  'daemonsets',
  'cronjobs',
  'events',
  // multi-cluster services: exports propagate like any template; the MCS controller keeps the
  // cluster-set's imports and their EndpointSlices here (the source of truth)
  'endpointslices',
  'serviceexports',
  'serviceimports',
]);

/** Namespaces every federation API server makes sure exist at start. */
export const FEDERATION_NAMESPACES: readonly string[] = [
  'default',
  // bootstrap-token Secrets (as in a member) and the controller manager's Lease
  'kube-system',
  FEDERATION_SYSTEM_NAMESPACE,
];

/** The federation PKI: what every API server of one federation shares (see `loadOrCreatePki`). */
export interface FederationPki {
  ca: CertificateAuthority;
  /** PKCS#8 PEM of the service-account token signing key. */
  serviceAccountKey: string;
}

/** A PKI held only in memory: for a single in-process API server (tests, bench). */
export function inMemoryPki(): FederationPki {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    ca: CertificateAuthority.create('federation-ca'),
    serviceAccountKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The federation's authentication from its PKI and static tokens (`--token-auth-file`). */
export function federationAuthentication(
  pki: FederationPki,
  staticTokens: readonly StaticToken[] = [],
): ClusterAuthentication {
  return new ClusterAuthentication({
    clusterName: 'federation',
    ca: pki.ca,
    serviceAccountKey: pki.serviceAccountKey,
    staticTokens,
    types: { serviceAccounts: serviceAccountType, secrets: secretType },
  });
}

/** Every type a federation API server serves besides RBAC's own. */
export function federationServedTypes(extra: readonly ResourceType[] = []): ResourceType[] {
  return [
    ...memberResourceTypes.filter((t) => TEMPLATE_PLURALS.has(t.plural)),
    // coordination.k8s.io/v1: the controller manager's leader-election Lease
    leaseType as unknown as ResourceType,
    // certificates.k8s.io/v1: pull-mode agents ask for their certificate with a bootstrap token
    certificateSigningRequestType as unknown as ResourceType,
    // apiextensions.k8s.io/v1: platform teams' own kinds
    customResourceDefinitionType as unknown as ResourceType,
    ...federationResourceTypes,
    ...extra,
  ];
}

/** A custom subresource served besides the built-in ones (e.g. `promotionrequests/approval`). */
export interface ExtraSubresource {
  type: ResourceType;
  name: string;
  handler: SubresourceHandler;
}

/** Configuration of {@link runFederationApiServer} (typed; the binary builds it from flags). */
export interface FederationApiServerConfig extends DataProtectionOptions {
  /** etcd client URLs (one cluster). */
  etcdEndpoints: string[];
  /** @defaultValue /flotilla/federation */
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
  /** Listen address (a loopback address). @defaultValue 127.0.0.1 */
  host?: string;
  /** Listen port, 0 = any free one. @defaultValue 0 */
  port?: number;
  /** The shared PKI (CA + service-account key). @defaultValue {@link inMemoryPki} */
  pki?: FederationPki;
  /** Static bearer tokens. Ignored when `authentication` is given. */
  staticTokens?: readonly StaticToken[];
  /** Authentication built by the caller (in-process planes issue certificates before start). */
  authentication?: ClusterAuthentication;
  /** Serving certificate. @defaultValue one for `host` (and 127.0.0.1) from the PKI's CA */
  servingCert?: ServingCert & { clientCa: string };
  /** Extra resource types to serve (e.g. registry promotion types). */
  extraResources?: readonly ResourceType[];
  /** Extra custom subresources. */
  subresources?: readonly ExtraSubresource[];
  /** Roles and bindings reconciled at start besides the default and federation ones. */
  rbacPolicy?: BootstrapPolicy;
  /** Decides what each user may do (403 otherwise). @defaultValue RBAC */
  authorizer?: Authorizer;
  /**
   * The web dashboard at /dashboard/ (codes and sessions in this server's etcd storage), or false
   * for none. @defaultValue served with the defaults of DashboardOptions
   */
  dashboard?: Omit<DashboardOptions, 'storage'> | false;
  logger?: Logger;
}

/** A running federation API server. */
export interface FederationApiServer {
  /** Base URL, e.g. `https://127.0.0.1:6443`. */
  readonly url: string;
  readonly server: ApiServer;
  readonly rbac: Rbac;
  readonly auth: ClusterAuthentication;
  /** The web dashboard (login codes, sessions), unless turned off. */
  readonly dashboard: Dashboard | undefined;
  /** Serving certificate chain (leaf + CA: also a CA bundle for clients). */
  readonly cert: ServingCert & { clientCa: string };
  /** Every served type (RBAC's own excluded). */
  readonly types: readonly ResourceType[];
  /** Stops accepting requests, closes watches, the audit log, RBAC's cache and etcd. */
  stop(): Promise<void>;
}

/** Serving certificate addresses: the bind address, and loopback for local clients. */
function servingIps(host: string): string[] {
  const ips = host === '0.0.0.0' ? ['127.0.0.1'] : [host, '127.0.0.1'];
  return [...new Set(ips)];
}

/**
 * Starts a federation API server: RBAC is reconciled and cached, the server listens, and the
 * {@link FEDERATION_NAMESPACES} exist (created through the registry, tolerating a replica that
 * created them first). On a failure everything started is stopped and the error rethrown.
 */
export async function runFederationApiServer(
  config: FederationApiServerConfig,
): Promise<FederationApiServer> {
  const host = config.host ?? '127.0.0.1';
  const auth =
    config.authentication ??
    federationAuthentication(config.pki ?? inMemoryPki(), config.staticTokens);
  const cert = config.servingCert ?? auth.tls(servingIps(host));
  const storage = new EtcdStorage({
    endpoints: config.etcdEndpoints,
    prefix: config.etcdPrefix ?? '/flotilla/federation',
    // encryption at rest and etcd client TLS
    ...protectedStorageOptions(config),
    // Events expire after --event-ttl, as kube-apiserver's
    ttlFor: eventTtlFor(config.eventTtlSeconds),
  });
  const types = federationServedTypes(config.extraResources);
  const rbac = new Rbac({
    storage,
    servedTypes: types,
    policy: mergePolicies(
      federationBootstrapPolicy(),
      ...(config.rbacPolicy ? [config.rbacPolicy] : []),
    ),
  });
  let audit: AuditOptions | undefined;
  let server: ApiServer | undefined;
  // connections of the cluster proxy to the members
  const memberTransports = new ClusterProxyTransports();
  let crds: CustomResourceServing | undefined;
  const stop = async (): Promise<void> => {
    await crds?.stop();
    await server?.close();
    memberTransports.close();
    await audit?.sink.close();
    await rbac.stop();
    await storage.close();
  };
  try {
    audit = auditOptions(config);
    let bootstrapped = false;
    const dashboard =
      config.dashboard === false ? undefined : new Dashboard({ ...config.dashboard, storage });
    const s = new ApiServer({
      storage,
      resources: [...types, ...rbac.resourceTypes],
      ...(audit ? { audit } : {}),
      ...(config.watchCache === false ? { watchCache: false as const } : {}),
      // dashboard session tokens authenticate as their user on every path, with the same RBAC
      authenticator: dashboard
        ? new UnionAuthenticator([auth.authenticator, dashboard.authenticator])
        : auth.authenticator,
      tls: cert,
      authorizer: config.authorizer ?? rbac.authorizer,
      // ready once storage answers and the start-up work (system namespaces) is done, as
      // kube-apiserver's /readyz waits for its post-start hooks
      ready: async () => {
        await storage.currentRevision();
        return bootstrapped;
      },
    });
    server = s;
    auth.install(s);
    rbac.install(s);
    dashboard?.install(s);
    s.registerSubresource(
      certificateSigningRequestType as unknown as ResourceType,
      'approval',
      csrApprovalHandler,
    );
    // kubectl get --raw /apis/cluster.flotilla.io/v1alpha1/clusters/<name>/proxy/<member path>
    s.registerSubresource(
      clusterType as unknown as ResourceType,
      'proxy',
      clusterProxyHandler({ transports: memberTransports }),
    );
    for (const sub of config.subresources ?? []) {
      s.registerSubresource(sub.type, sub.name, sub.handler);
    }
    await rbac.start();
    // CustomResourceDefinitions: the established ones are served from the first request
    crds = new CustomResourceServing({
      server: s,
      crdType: customResourceDefinitionType as unknown as ResourceType,
      ...(config.logger ? { logger: config.logger } : {}),
    });
    await crds.start();
    const url = await s.listen(config.port ?? 0, host);
    for (const name of FEDERATION_NAMESPACES) {
      await s.registry
        .create(namespaceType, undefined, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        })
        .catch((err: unknown) => {
          if (!(err instanceof AlreadyExistsError)) throw err;
        });
    }
    bootstrapped = true;
    config.logger?.info(`serving on ${url}`);
    return { url, server: s, rbac, auth, dashboard, cert, types, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
