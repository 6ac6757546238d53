/**
 * Image promotion of the local federation as processes under the supervisor: the promotion
 * service (notification receiver, registry token realm, promotion controller) and N promotion
 * workers (bullmq consumers of the copy queue), with the dev and prod registries between them.
 * Secrets reach the processes as files in `<state>/promotion/` (mode 0600), never as arguments.
 * The approval subresource is served by the federation API server (`--enable-promotion`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { kubeconfigFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { selfSignedCert } from '../../machinery/apiserver/serving-cert.js';
import { REPLICATION_POLICIES } from '../../registry/index.js';
import { metricsBinding, type MetricsTarget } from './local-components.js';
import { freePort } from './ports.js';
import { startEnvironmentRegistries } from './promotion.js';
import { makeRegistryTls, type RegistryService } from './registry-service.js';
import type { Supervisor } from './supervisor.js';

/** Options of {@link startLocalPromotion}. */
export interface LocalPromotionOptions {
  root: string;
  state: string;
  supervisor: Supervisor;
  /** Federation admin client (Registry and ReplicationPolicy objects). */
  admin: KubeClient;
  /** The set-up's federation kubeconfig (server and CA of context `federation`). */
  federationKubeconfig: string;
  /** Bearer token of `system:promotion` (in the federation API server's token file). */
  systemToken: string;
  redis: { host: string; port: number; password: string };
  workers: number;
}

/** The running promotion: registries by environment and how to stop what is not supervised. */
export interface LocalPromotion {
  registries: Record<string, RegistryService>;
  /** `/metrics` of the promotion service and each worker (loopback HTTP). */
  metrics: MetricsTarget[];
  stop(): Promise<void>;
}

const WORKER_USER = 'system:promotion';

function secretFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** Starts the service, the registries (dev, prod), the workers and the dev-to-prod policy. */
export async function startLocalPromotion(opts: LocalPromotionOptions): Promise<LocalPromotion> {
  const dir = join(opts.state, 'promotion');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fed = loadKubeconfig(opts.federationKubeconfig, 'federation');
  const kubeconfig = secretFile(
    dir,
    'promotion.kubeconfig',
    kubeconfigFor({
      name: 'federation',
      server: fed.server,
      token: opts.systemToken,
      caCert: Buffer.from(fed.caData ?? '', 'base64').toString(),
    }),
  );
  // dev, prod, the token realm and the notification receiver serve https with a CA made here
  const tls = makeRegistryTls();
  writeFileSync(join(opts.state, 'registry-ca.crt'), tls.ca);
  const signing = selfSignedCert([], ['flotilla-registry-token']);
  const notificationKey = randomBytes(32).toString('hex');
  const workerPassword = randomBytes(16).toString('hex');
  // alice and bob `docker login` with generated passwords (their federation identity is a client
  // certificate, which docker cannot present)
  const registryUsers = {
    alice: randomBytes(16).toString('hex'),
    bob: randomBytes(16).toString('hex'),
  };
  writeFileSync(
    join(opts.state, 'registry-users'),
    Object.entries(registryUsers)
      .map(([u, pw]) => `${u}=${pw}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const files = {
    redisPassword: secretFile(dir, 'redis-password', opts.redis.password),
    notification: secretFile(dir, 'notification-secret', notificationKey),
    tlsCert: secretFile(dir, 'tls.crt', tls.cert),
    tlsKey: secretFile(dir, 'tls.key', tls.key),
    signingCert: secretFile(dir, 'token-signing.crt', signing.cert),
    signingKey: secretFile(dir, 'token-signing.key', signing.key),
    users: secretFile(
      dir,
      'registry-users',
      Object.entries({ ...registryUsers, [WORKER_USER]: workerPassword })
        .map(([u, pw]) => `${u}=${pw}\n`)
        .join(''),
    ),
    workerPassword: secretFile(dir, 'worker-password', workerPassword),
  };
  const redis = `${opts.redis.host}:${String(opts.redis.port)}`;
  const listen = await freePort();
  const tokenListen = await freePort();
  const serviceMetrics = await metricsBinding('promotion-service');
  const metrics = [serviceMetrics.target];
  const serviceLog = join(opts.state, 'logs', 'promotion-service.log');
  let offset = existsSync(serviceLog) ? readFileSync(serviceLog).length : 0;
  await opts.supervisor.add({
    name: 'promotion-service',
    group: 'promotion',
    command: process.execPath,
    args: [
      '--enable-source-maps',
      join(opts.root, 'dist', 'registry', 'cmd', 'promotion-service.js'),
      '--kubeconfig',
      kubeconfig,
      '--redis',
      redis,
      '--redis-password-file',
      files.redisPassword,
      '--environments',
      'dev,prod',
      '--listen',
      `127.0.0.1:${String(listen)}`,
      '--token-listen',
      `127.0.0.1:${String(tokenListen)}`,
      '--tls-cert-file',
      files.tlsCert,
      '--tls-key-file',
      files.tlsKey,
      '--notification-secret-file',
      files.notification,
      '--token-signing-cert-file',
      files.signingCert,
      '--token-signing-key-file',
      files.signingKey,
      '--worker-user',
      WORKER_USER,
      '--registry-users-file',
      files.users,
      ...serviceMetrics.args,
    ],
    ready: () => {
      const log = existsSync(serviceLog) ? readFileSync(serviceLog).subarray(offset) : '';
      return Promise.resolve(/promotion-service: ready/.test(log.toString()));
    },
    readyTimeoutMs: 30_000,
  });
  offset = 0;
  const registries = await startEnvironmentRegistries({
    admin: opts.admin,
    environments: ['dev', 'prod'],
    notifyUrl: `https://127.0.0.1:${String(listen)}`,
    notificationKey: Buffer.from(notificationKey),
    realm: `https://127.0.0.1:${String(tokenListen)}/token`,
    issuer: 'flotilla',
    rootCertBundle: signing.cert,
    logDir: join(opts.state, 'logs'),
    tls,
  });
  const registryUrls = Object.values(registries).map((r) => r.url);
  for (let i = 1; i <= opts.workers; i++) {
    const workerMetrics = await metricsBinding(`promotion-worker-${String(i)}`);
    metrics.push(workerMetrics.target);
    await opts.supervisor.add({
      name: `promotion-worker-${String(i)}`,
      group: 'promotion',
      command: process.execPath,
      args: [
        '--enable-source-maps',
        join(opts.root, 'dist', 'registry', 'cmd', 'promotion-worker.js'),
        '--kubeconfig',
        kubeconfig,
        '--redis',
        redis,
        '--redis-password-file',
        files.redisPassword,
        '--registry-user',
        WORKER_USER,
        '--registry-password-file',
        files.workerPassword,
        '--registry-urls',
        registryUrls.join(','),
        ...workerMetrics.args,
      ],
    });
  }
  // a push to dev asks for promotion to prod; bob (release-manager) approves
  await opts.admin.resource(REPLICATION_POLICIES).create({
    apiVersion: 'registry.flotilla.io/v1alpha1',
    kind: 'ReplicationPolicy',
    metadata: { name: 'dev-to-prod' },
    spec: {
      source: 'dev',
      target: 'prod',
      mode: 'OneWay',
      repositories: ['**'],
      requiresApproval: true,
      approvers: [{ role: 'release-manager', users: ['bob'] }],
    },
  });
  writeFileSync(
    join(opts.state, 'registries'),
    Object.entries(registries)
      .map(([env, r]) => `${env}=${r.host}\n`)
      .join('') +
      // entries stay host:port (image references); the scheme is https, verified with ca-file
      `token-realm=https://127.0.0.1:${String(tokenListen)}/token\nca-file=${join(opts.state, 'registry-ca.crt')}\n`,
  );
  return {
    registries,
    metrics,
    stop: async () => {
      for (const r of Object.values(registries)) await r.stop();
    },
  };
}
