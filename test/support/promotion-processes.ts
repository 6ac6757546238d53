// Promotion as separate processes for fault tests: an in-process federation (registry types, the
// approval subresource, the registry bootstrap policy, token users alice the requester and bob the
// approver), the built flotilla-promotion-service and flotilla-promotion-worker binaries as child
// processes, a password-protected redis-server that can be killed and started again, and two real
// docker-registry instances (dev, prod) with Flotilla token auth. The workers read dev through a
// throttling proxy (the `dev` Registry object names the proxy), so a copy of a few MiB lasts
// seconds and a fault can land while it runs. Also: pushing a tagged image with the OCI client and
// the promotion invariant (approved → prod holds the tag at the source digest; unapproved → absent).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCert } from '../../machinery/apiserver/serving-cert.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort } from '../../hack/lib/ports.js';
import { bindClusterRole, waitForAccess } from '../../hack/lib/rbac-bindings.js';
import { startRegistry, type RegistryService } from '../../hack/lib/registry-service.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import type { OciClient } from '../../registry/index.js';
import {
  approvalHandler,
  notificationSecret,
  promotionRequestType,
  registryBootstrapPolicy,
  registryResourceTypes,
  REGISTRIES,
  sha256,
} from '../../registry/index.js';
import {
  distScript,
  ensureBuilt,
  spawnBinary,
  waitOutput,
  type SpawnedBinary,
} from './binaries.js';
import { createReplicationPolicy, ociAs } from './promotion-federation.js';
import { startRestartableRedis, type RestartableRedis } from './restartable-redis.js';
import { startThrottleProxy, type ThrottleProxy } from './throttle-proxy.js';

const SERVICE = distScript('registry/cmd/promotion-service.js');
const WORKER = distScript('registry/cmd/promotion-worker.js');
const SYSTEM_USER = 'system:promotion';

/** Options of {@link startPromotionProcesses}. */
export interface PromotionProcessesOptions {
  /** Workers started at once. */
  workers: number;
  /** Rate of the proxy in front of dev (bytes per second per direction). */
  devBytesPerSecond: number;
  /** Extra flags of every worker (`--lock-duration-ms`, `--copy-backoff-ms`, ...). */
  workerArgs: string[];
}

/** The running processes and how to reach them. */
export interface PromotionProcesses {
  fed: FederationControlPlane;
  redis: RestartableRedis;
  dev: RegistryService;
  prod: RegistryService;
  devProxy: ThrottleProxy;
  service: SpawnedBinary;
  /** Every worker started, in order (killed ones included). */
  workers: SpawnedBinary[];
  /** API tokens of the users. */
  tokens: { alice: string; bob: string };
  /** Starts one more worker and waits until it is ready. */
  startWorker(name: string): Promise<SpawnedBinary>;
  stop(): Promise<void>;
}

/** Starts the promotion processes; on a failure, stops what it started and rethrows. */
export async function startPromotionProcesses(
  opts: PromotionProcessesOptions,
): Promise<PromotionProcesses> {
  ensureBuilt([SERVICE, WORKER]);
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-promo-faults-'));
  const tokens = {
    service: randomBytes(16).toString('hex'),
    alice: randomBytes(16).toString('hex'),
    bob: randomBytes(16).toString('hex'),
  };
  const procs: SpawnedBinary[] = [];
  const registries: RegistryService[] = [];
  const byEnv: Record<string, RegistryService> = {};
  let etcd: EtcdService | undefined;
  let redis: RestartableRedis | undefined;
  let fed: FederationControlPlane | undefined;
  let devProxy: ThrottleProxy | undefined;
  const stop = async (): Promise<void> => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await devProxy?.close();
    for (const r of registries) await r.stop();
    await fed?.stop();
    await redis?.stop();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  try {
    etcd = await startEtcd();
    redis = await startRestartableRedis(randomBytes(16).toString('hex'));
    fed = new FederationControlPlane({
      etcdEndpoint: etcd.endpoint,
      resyncMs: 1000,
      extraResources: registryResourceTypes,
      rbacPolicy: registryBootstrapPolicy([SYSTEM_USER]),
      users: { [tokens.service]: SYSTEM_USER, [tokens.alice]: 'alice', [tokens.bob]: 'bob' },
    });
    await fed.start();
    fed.server?.registerSubresource(
      promotionRequestType as unknown as ResourceType,
      'approval',
      approvalHandler,
    );
    const admin = fed.client();
    await bindClusterRole(admin, 'promotion-requester', ['alice']);
    await bindClusterRole(admin, 'promotion-approver', ['bob']);
    await waitForAccess(admin, 'bob', {
      verbs: ['approve'],
      apiGroups: ['registry.flotilla.io'],
      resources: ['promotionrequests/approval'],
    });
    await waitForAccess(admin, SYSTEM_USER, {
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['subjectaccessreviews'],
    });
    const kubeconfig = kubeconfigFor({
      name: 'federation',
      server: fed.url,
      token: tokens.service,
      caCert: fed.cert.cert,
    });
    const common = [
      ...['--kubeconfig', file('promotion.kubeconfig', kubeconfig)],
      ...['--redis', `${redis.host}:${String(redis.port)}`],
      ...['--redis-password-file', file('redis-password', `${redis.password}\n`)],
      '--verbose',
    ];
    const notificationKey = randomBytes(32).toString('hex');
    const signing = selfSignedCert([], ['flotilla-registry-token']);
    const workerPassword = randomBytes(16).toString('hex');
    const listen = await freePort();
    const tokenListen = await freePort();
    const service = spawnBinary(
      SERVICE,
      [
        ...common,
        ...['--listen', `127.0.0.1:${String(listen)}`],
        ...['--token-listen', `127.0.0.1:${String(tokenListen)}`],
        ...['--notification-secret-file', file('notification-key', notificationKey)],
        ...['--token-signing-cert-file', file('token.crt', signing.cert)],
        ...['--token-signing-key-file', file('token.key', signing.key)],
        ...['--environments', 'dev,prod', '--protected-environments', 'prod'],
        ...['--worker-user', SYSTEM_USER],
        ...['--registry-users-file', file('registry-users', `${SYSTEM_USER}=${workerPassword}\n`)],
      ],
      'service',
    );
    procs.push(service);
    await waitOutput(service, /flotilla-promotion-service: ready/);
    // started together, both settled before going on, so a failure of one still stops the other
    const started = await Promise.allSettled(
      ['dev', 'prod'].map(async (env) => {
        const r = await startRegistry({
          notifyUrl: `http://127.0.0.1:${String(listen)}/notify/${env}`,
          notifyHeaders: {
            Authorization: `Bearer ${notificationSecret(Buffer.from(notificationKey), env)}`,
          },
          token: {
            realm: `http://127.0.0.1:${String(tokenListen)}/token`,
            service: env,
            issuer: 'flotilla',
            rootCertBundle: signing.cert,
          },
        });
        registries.push(r);
        byEnv[env] = r;
      }),
    );
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const dev = byEnv.dev as RegistryService;
    const prod = byEnv.prod as RegistryService;
    devProxy = await startThrottleProxy(dev.url, opts.devBytesPerSecond);
    for (const [name, url] of [
      ['dev', devProxy.url],
      ['prod', prod.url],
    ] as const) {
      await admin.resource(REGISTRIES).create({
        apiVersion: 'registry.flotilla.io/v1alpha1',
        kind: 'Registry',
        metadata: { name },
        spec: { url, environment: name },
      });
    }
    await createReplicationPolicy(fed, 'dev-to-prod', {
      source: 'dev',
      target: 'prod',
      repositories: ['app/**'],
      requiresApproval: true,
      approvers: [{ role: 'release-manager', users: ['bob'] }],
    });
    const workerArgs = [
      ...common,
      ...['--registry-user', SYSTEM_USER],
      ...['--registry-password-file', file('worker-password', workerPassword)],
      ...['--registry-urls', `${devProxy.url},${prod.url}`],
      ...opts.workerArgs,
    ];
    const workers: SpawnedBinary[] = [];
    const startWorker = async (name: string): Promise<SpawnedBinary> => {
      const w = spawnBinary(WORKER, workerArgs, name);
      procs.push(w);
      workers.push(w);
      await waitOutput(w, /flotilla-promotion-worker: ready/);
      return w;
    };
    await Promise.all(
      Array.from({ length: opts.workers }, (_, i) => startWorker(`worker-${String(i)}`)),
    );
    return { fed, redis, dev, prod, devProxy, service, workers, tokens, startWorker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What {@link pushTaggedImage} pushed. */
export interface TaggedImage {
  repository: string;
  tag: string;
  digest: string;
}

/**
 * Pushes an image of one `layerBytes` random layer and a config to `repository`, with the
 * manifest put under `tag` only: the registry's single push notification carries the tag, so the
 * PromotionRequest does too and the copy tags the image in prod.
 */
export async function pushTaggedImage(
  client: OciClient,
  repository: string,
  tag: string,
  layerBytes: number,
): Promise<TaggedImage> {
  const layer = randomBytes(layerBytes);
  const layerDesc = {
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: sha256(layer),
    size: layer.length,
  };
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [layerDesc.digest] },
    }),
  );
  const configDesc = {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: sha256(config),
    size: config.length,
  };
  await client.uploadBlob(repository, configDesc.digest, config);
  await client.uploadBlob(repository, layerDesc.digest, layer);
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, config: configDesc, layers: [layerDesc] }),
  );
  const digest = sha256(bytes);
  await client.putManifest(repository, tag, { bytes, mediaType, digest });
  return { repository, tag, digest };
}

/** What prod holds for `image`'s tag, read as `user` (HEAD and GET by tag). */
export async function prodDigests(
  p: PromotionProcesses,
  image: TaggedImage,
): Promise<{ head: string | undefined; get: string | undefined }> {
  const client = ociAs(p.prod.url, { name: 'alice', token: p.tokens.alice });
  const head = await client.headManifest(image.repository, image.tag);
  const get =
    head === undefined ? undefined : (await client.getManifest(image.repository, image.tag)).digest;
  return { head, get };
}

/** An OCI client of dev as alice (direct, not through the proxy). */
export const devAsAlice = (p: PromotionProcesses): OciClient =>
  ociAs(p.dev.url, { name: 'alice', token: p.tokens.alice });
