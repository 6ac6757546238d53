/**
 * Serves image promotion on a running federation: the approval subresource, the promotion service
 * (`runPromotionService`: notification receiver, registry token endpoint, promotion controller
 * queueing copies on the given redis), one real docker-registry per environment, each with token
 * auth (`docker login` with a Flotilla user name and API token), posting push notifications with
 * its own shared secret, and registered as a Registry object, then the promotion workers
 * (`runPromotionWorker`, bullmq consumers of the copy queue) — the same run functions the
 * `flotilla-promotion-service` and `flotilla-promotion-worker` binaries call, here in-process.
 * With `tls`, all of it over https with a CA made here (the Registry objects carry it as
 * `caBundle`). Used by the registry e2e tests (test/support/promotion-federation.ts); the local
 * set-up runs the same pieces as processes (hack/lib/local-promotion.ts) and shares
 * {@link startEnvironmentRegistries}. Replication policies stay the caller's.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import type { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import {
  approvalHandler,
  notificationSecret,
  promotionRequestType,
  REGISTRIES,
  runPromotionService,
  runPromotionWorker,
  type PromotionWorkerOptions,
  type RedisEndpoint,
  type RegistryTokenServer,
  type RunningPromotionService,
  type RunningPromotionWorker,
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
  /**
   * Token of a `system:*` user of `fed` bound to the promotion service role: the service and the
   * workers act as it (request phases, copies), and the workers push to registries under its name.
   */
  systemToken: string;
  /** The copy queue's redis (with the `requirepass` password the set-up generated). */
  redis: RedisEndpoint;
  /** Environment names; each gets a registry and a Registry object of that name and environment. */
  environments: string[];
  /**
   * Environments only the promotion worker may push to (everyone authenticated may pull).
   * @defaultValue ['prod']
   */
  protectedEnvironments?: string[];
  /**
   * Registry-only users (name → password) for people who authenticate to the federation with a
   * client certificate and so hold no API token: the set-up generates these. Everyone else logs
   * in with their federation user name and API token.
   */
  registryUsers?: Record<string, string>;
  /** Copy settings of the workers. */
  replicator?: Partial<
    Pick<PromotionWorkerOptions, 'attempts' | 'backoffMs' | 'concurrency' | 'lockDurationMs'>
  >;
  /** Promotion workers started (in this process). @defaultValue 1 */
  workers?: number;
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
  service: RunningPromotionService;
  tokens: RegistryTokenServer;
  workers: RunningPromotionWorker[];
  registries: Record<string, RegistryService>;
  /** The CA (PEM) of the registries, token realm and receiver, when started with `tls`. */
  ca?: string;
  /** The user name the workers push as. */
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
  const federation = { server: opts.fed.url, token: opts.systemToken, caData: opts.fed.cert.cert };
  // the worker's registry password is its own, not its API token: it is presented to registries,
  // and only to the ones started here
  const workerPassword = randomBytes(16).toString('hex');
  const notificationKey = randomBytes(32);
  const tls = opts.tls === true ? makeRegistryTls() : opts.tls || undefined;
  const serving = tls ? { cert: tls.cert, key: tls.key } : undefined;
  const service = await runPromotionService({
    federation,
    redis: opts.redis,
    ...(serving ? { tls: serving } : {}),
    notificationKey,
    environments: opts.environments,
    protectedEnvironments: opts.protectedEnvironments ?? ['prod'],
    workerUser,
    registryUsers: { ...opts.registryUsers, [workerUser]: workerPassword },
  });
  const registries: Record<string, RegistryService> = {};
  const workers: RunningPromotionWorker[] = [];
  const stop = async (): Promise<void> => {
    for (const w of workers) await w.stop();
    await service.stop();
    for (const r of Object.values(registries)) await r.stop();
  };
  try {
    Object.assign(
      registries,
      await startEnvironmentRegistries({
        admin: opts.fed.client(),
        environments: opts.environments,
        notifyUrl: service.notifyUrl,
        notificationKey,
        realm: service.realm,
        issuer: service.tokens.issuer.issuer,
        rootCertBundle: service.tokens.issuer.certificate,
        ...(opts.logDir ? { logDir: opts.logDir } : {}),
        ...(tls ? { tls } : {}),
        started: registries,
      }),
    );
    const registryUrls = Object.values(registries).map((r) => r.url);
    for (let i = 0; i < (opts.workers ?? 1); i++) {
      workers.push(
        await runPromotionWorker({
          federation,
          redis: opts.redis,
          ...opts.replicator,
          credentials: { username: workerUser, password: workerPassword, registries: registryUrls },
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    service,
    tokens: service.tokens,
    workers,
    registries,
    ...(tls ? { ca: tls.ca } : {}),
    workerUser,
    stop,
  };
}

/** Options of {@link startEnvironmentRegistries}. */
export interface EnvironmentRegistriesOptions {
  /** A federation client allowed to create Registry objects. */
  admin: KubeClient;
  environments: string[];
  /** The promotion service's notification receiver (`<notifyUrl>/notify/<env>`). */
  notifyUrl: string;
  notificationKey: Buffer;
  /** Token realm, issuer and signing certificate of the promotion service's token server. */
  realm: string;
  issuer: string;
  rootCertBundle: string;
  logDir?: string;
  tls?: RegistryTls;
  /** Filled as registries start, so a caller can stop them when a later one fails. */
  started?: Record<string, RegistryService>;
}

/**
 * One docker-registry per environment with token auth from the promotion service and signed push
 * notifications to it, each registered as a Registry object (with its CA as `caBundle`).
 */
export async function startEnvironmentRegistries(
  opts: EnvironmentRegistriesOptions,
): Promise<Record<string, RegistryService>> {
  const registries = opts.started ?? {};
  for (const env of opts.environments) {
    const r = await startRegistry({
      notifyUrl: `${opts.notifyUrl}/notify/${env}`,
      notifyHeaders: { Authorization: `Bearer ${notificationSecret(opts.notificationKey, env)}` },
      token: {
        realm: opts.realm,
        service: env,
        issuer: opts.issuer,
        rootCertBundle: opts.rootCertBundle,
      },
      ...(opts.logDir ? { logFile: join(opts.logDir, `${env}.log`) } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
    });
    registries[env] = r;
    await opts.admin.resource(REGISTRIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'Registry',
      metadata: { name: env },
      // base64 PEM, as Kubernetes carries caBundle: the workers and the image gate verify with it
      spec: {
        url: r.url,
        environment: env,
        ...(opts.tls ? { caBundle: Buffer.from(opts.tls.ca).toString('base64') } : {}),
      },
    });
  }
  return registries;
}
