/**
 * Serves image promotion on a running federation: the approval subresource, the PromotionService
 * (notification receiver, promotion controller, bullmq replicator on the given redis), the
 * registry token endpoint and one real docker-registry per environment, each with token auth
 * (`docker login` with a Flotilla user name and API token), posting push notifications with its
 * own shared secret, and registered as a Registry object; with `tls`, all of it over https with a CA
 * made here (the Registry objects carry it as `caBundle`). Used by hack/local-up.ts and the
 * registry e2e tests; replication policies stay the caller's.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  UnionAuthenticator,
  type Authenticator,
} from '../../machinery/auth/authenticator.js';
import { StaticTokenAuthenticator } from '../../machinery/auth/static-token-authenticator.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import type { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import {
  approvalHandler,
  PromotionService,
  promotionRequestType,
  REGISTRIES,
  RegistryTokenServer,
  type PromotionServiceOptions,
  type RegistryAccessRule,
  type RegistryActors,
} from '../../registry/index.js';
import {
  makeRegistryTls,
  startRegistry,
  type RegistryService,
  type RegistryTls,
} from './registry-service.js';

/** Options for {@link startPromotion}. */
export interface PromotionSetupOptions {
  fed: FederationControlPlane;
  /** Token of a `system:*` user of `fed`: the service writes request phases and pushes to registries. */
  systemToken: string;
  /** The copy queue's redis (with the `requirepass` password the set-up generated). */
  redis: PromotionServiceOptions['redis'];
  /** Environment names; each gets a registry and a Registry object of that name and environment. */
  environments: string[];
  /**
   * Environments only the promotion worker may push to (everyone authenticated may pull).
   * @defaultValue ['prod']
   */
  protectedEnvironments?: string[];
  /**
   * Recognises `docker login` passwords (as bearer tokens); default: the federation's own
   * authenticator, so a user logs in with their name and API token (static or service-account).
   */
  authenticator?: Authenticator;
  /**
   * Registry-only users (name → password) for people who authenticate to the federation with a
   * client certificate and so hold no API token: the set-up generates these.
   */
  registryUsers?: Record<string, string>;
  replicator?: PromotionServiceOptions['replicator'];
  /** Where registry logs go (`<env>.log`); default: each registry's data folder. */
  logDir?: string;
  /**
   * Serve the registries, the token realm and the notification receiver over https with one
   * serving certificate for 127.0.0.1 (`true`: from a new CA); the Registry objects carry the CA
   * as `caBundle`. @defaultValue false (plain HTTP on loopback)
   */
  tls?: boolean | RegistryTls;
}

/** A running promotion setup. */
export interface PromotionSetup {
  service: PromotionService;
  tokens: RegistryTokenServer;
  registries: Record<string, RegistryService>;
  /** The CA (PEM) of the registries, token realm and receiver, when started with `tls`. */
  ca?: string;
  /** The user name the replicator pushes as. */
  workerUser: string;
  stop(): Promise<void>;
}

/** Starts promotion on `opts.fed` (which must serve `registryResourceTypes`). */
export async function startPromotion(opts: PromotionSetupOptions): Promise<PromotionSetup> {
  opts.fed.server?.registerSubresource(
    promotionRequestType as unknown as ResourceType,
    'approval',
    approvalHandler,
  );
  const users = { [opts.fed.token]: 'admin', ...(opts.fed.opts.users ?? {}) };
  const workerUser = users[opts.systemToken] ?? 'admin';
  const protectedEnvs = new Set(opts.protectedEnvironments ?? ['prod']);
  // requesters are the users the federation lets create PromotionRequests (promotion-requester)
  const authorizer = opts.fed.opts.authorizer ?? opts.fed.rbac?.authorizer;
  const requesters: RegistryActors = authorizer
    ? async (user) =>
        user.name === workerUser ||
        (
          await authorizer.authorize({
            user,
            verb: 'create',
            resourceRequest: true,
            apiGroup: 'registry.flotilla.io',
            apiVersion: 'v1alpha1',
            resource: 'promotionrequests',
            subresource: '',
            namespace: '',
            name: '',
            path: '/apis/registry.flotilla.io/v1alpha1/promotionrequests',
          })
        ).allowed
    : 'authenticated';
  const rules: RegistryAccessRule[] = opts.environments.map((env) => ({
    service: env,
    pull: 'authenticated',
    push: protectedEnvs.has(env) ? [workerUser] : requesters,
  }));
  // the worker's registry password is its own, not its API token: it is presented to registries,
  // and only to the ones started here (their URLs are added below, before any copy can run)
  const workerPassword = randomBytes(16).toString('hex');
  const workerRegistries: string[] = [];
  const tls = opts.tls === true ? makeRegistryTls() : opts.tls || undefined;
  const serving = tls ? { cert: tls.cert, key: tls.key } : undefined;
  const tokens = new RegistryTokenServer({
    ...(serving ? { tls: serving } : {}),
    authenticator: new UnionAuthenticator([
      opts.authenticator ?? opts.fed.auth.authenticator,
      // a password is looked up like a bearer token, so name → password becomes password → name
      StaticTokenAuthenticator.fromRecord(
        Object.fromEntries(
          Object.entries({ ...opts.registryUsers, [workerUser]: workerPassword }).map(([u, pw]) => [
            pw,
            u,
          ]),
        ),
      ),
    ]),
    rules,
  });
  const realm = await tokens.start();
  const service = new PromotionService({
    client: opts.fed.client(opts.systemToken),
    redis: opts.redis,
    ...(serving ? { notificationTls: serving } : {}),
    replicator: {
      credentials: { username: workerUser, password: workerPassword, registries: workerRegistries },
      ...(opts.replicator ?? {}),
    },
  });
  const notify = await service.start();
  const registries: Record<string, RegistryService> = {};
  const admin = opts.fed.client();
  for (const env of opts.environments) {
    const r = await startRegistry({
      notifyUrl: `${notify}/notify/${env}`,
      notifyHeaders: { Authorization: `Bearer ${service.receiver.secretFor(env)}` },
      token: {
        realm,
        service: env,
        issuer: tokens.issuer.issuer,
        rootCertBundle: tokens.issuer.certificate,
      },
      ...(opts.logDir ? { logFile: join(opts.logDir, `${env}.log`) } : {}),
      ...(tls ? { tls } : {}),
    });
    registries[env] = r;
    workerRegistries.push(r.url);
    await admin.resource(REGISTRIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'Registry',
      metadata: { name: env },
      // base64 PEM, as Kubernetes carries caBundle: the replicator and the image gate verify with it
      spec: {
        url: r.url,
        environment: env,
        ...(tls ? { caBundle: Buffer.from(tls.ca).toString('base64') } : {}),
      },
    });
  }
  return {
    service,
    tokens,
    registries,
    ...(tls ? { ca: tls.ca } : {}),
    workerUser,
    stop: async () => {
      await service.stop();
      for (const r of Object.values(registries)) await r.stop();
      await tokens.stop();
    },
  };
}
