// The promotion federation the registry e2e tests share: etcd, a password-protected redis-server,
// dockerd, a federation control plane serving the registry resource types with token users and
// the registry bootstrap policy, the users' ClusterRoleBindings, and promotion with its
// environment registries (hack/lib/promotion.ts startPromotion: the promotion service and worker
// run functions the binaries call, in this process). Plus the helpers those tests
// use against it: the docker CLI as a user, an OCI client as a user, requests for a digest and
// approval through the approval subresource.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import {
  FederationControlPlane,
  type FederationControlPlaneOptions,
} from '../../federation/server/federation-control-plane.js';
import {
  startPromotion,
  type PromotionSetup,
  type PromotionSetupOptions,
} from '../../hack/lib/promotion.js';
import { bindClusterRole, waitForAccess } from '../../hack/lib/rbac-bindings.js';
import {
  ensureDockerd,
  startEtcd,
  startRedis,
  type DockerService,
  type EtcdService,
  type RedisService,
} from '../../hack/lib/services.js';
import {
  OciClient,
  PROMOTION_REQUESTS,
  registryResourceTypes,
  REPLICATION_POLICIES,
  type PromotionRequest,
  type ReplicationPolicy,
} from '../../registry/index.js';
import { registryBootstrapPolicy } from '../../registry/rbac/registry-bootstrap-policy.js';

export interface PromotionFederationOptions {
  /** Token users of the federation API: name → bearer token. */
  users: Record<string, string>;
  /** The promotion service's (and workers') identity: granted the bootstrap policy's system role. */
  worker: { name: string; token: string };
  /** ClusterRoleBindings made once the control plane listens: [role, users], in order. */
  bindings: [role: string, users: string[]][];
  /** More RBAC set-up after the bindings (as the admin client). */
  rbac?: (admin: KubeClient) => Promise<void>;
  /** Access waited for (SubjectAccessReview) before promotion starts: [user, verb, resource]. */
  access: [user: string, verb: string, resource: string][];
  environments: string[];
  tls?: PromotionSetupOptions['tls'];
  replicator?: PromotionSetupOptions['replicator'];
  /** Promotion workers (in-process). @defaultValue 1 */
  workers?: number;
  /** More federation control plane options (kubeconfigPath, health, imageGate, ...). */
  federation?: Partial<FederationControlPlaneOptions>;
}

export interface PromotionFederation {
  etcd: EtcdService;
  redis: RedisService;
  docker: DockerService;
  fed: FederationControlPlane;
  promo: PromotionSetup;
  /** redis-server's password (the copy queue's bullmq connections use it). */
  redisPassword: string;
  /**
   * Stops everything, promotion first and dockerd last; `afterPromotion` and `afterFederation`
   * run right after promotion and the control plane stop.
   */
  stop(hooks?: {
    afterPromotion?: () => Promise<void>;
    afterFederation?: () => Promise<void>;
  }): Promise<void>;
}

/** How long one teardown step may take before it is reported and left behind. */
const STOP_STEP_MS = 60_000;

/**
 * Runs one teardown step for at most {@link STOP_STEP_MS}; an overrun or a failure is printed
 * with the step's name (the suite's hook timeout would otherwise hide which step hung).
 */
async function boundedStep(what: string, fn: () => Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  const overrun = new Promise<'overrun'>((resolve) => {
    timer = setTimeout(() => resolve('overrun'), STOP_STEP_MS);
  });
  try {
    const outcome = await Promise.race([
      Promise.resolve(fn()).then(() => 'done' as const),
      overrun,
    ]);
    if (outcome === 'overrun') {
      console.error(`teardown: ${what} did not stop within ${String(STOP_STEP_MS)} ms; going on`);
    }
  } catch (err) {
    console.error(
      `teardown: stopping ${what} failed after ${String(Date.now() - started)} ms:`,
      err,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the promotion federation; on a failure, stops what it started and rethrows. */
export async function startPromotionFederation(
  opts: PromotionFederationOptions,
): Promise<PromotionFederation> {
  const redisPassword = randomBytes(16).toString('hex');
  let etcd: EtcdService | undefined;
  let redis: RedisService | undefined;
  let docker: DockerService | undefined;
  let fed: FederationControlPlane | undefined;
  let promo: PromotionSetup | undefined;
  const stop: PromotionFederation['stop'] = async (hooks) => {
    // Each step is bounded: a step that hangs is named on stderr and the later ones still run,
    // so one stuck shutdown neither leaks redis/etcd/dockerd nor turns teardown into a timeout.
    await boundedStep('promotion service and workers', () => promo?.stop());
    await boundedStep('afterPromotion hook', () => hooks?.afterPromotion?.());
    await boundedStep('federation control plane', () => fed?.stop());
    await boundedStep('afterFederation hook', () => hooks?.afterFederation?.());
    await boundedStep('redis-server', () => redis?.stop());
    await boundedStep('etcd', () => etcd?.stop());
    await boundedStep('dockerd', () => docker?.stop());
  };
  try {
    // etcd, redis and dockerd do not depend on each other: started together
    const [e, r, d] = await Promise.allSettled([
      startEtcd(),
      startRedis({ password: redisPassword }),
      ensureDockerd(),
    ]);
    if (e.status === 'fulfilled') etcd = e.value;
    if (r.status === 'fulfilled') redis = r.value;
    if (d.status === 'fulfilled') docker = d.value;
    for (const x of [e, r, d]) if (x.status === 'rejected') throw x.reason;
    if (!etcd || !redis || !docker) throw new Error('unreachable: a service did not start');
    const users: Record<string, string> = {};
    for (const [name, token] of Object.entries(opts.users)) users[token] = name;
    users[opts.worker.token] = opts.worker.name;
    fed = new FederationControlPlane({
      etcdEndpoint: etcd.endpoint,
      resyncMs: 1000,
      ...opts.federation,
      extraResources: registryResourceTypes,
      rbacPolicy: registryBootstrapPolicy([opts.worker.name]),
      users,
    });
    await fed.start();
    const admin = fed.client();
    for (const [role, subjects] of opts.bindings) await bindClusterRole(admin, role, subjects);
    await opts.rbac?.(admin);
    for (const [user, verb, resource] of opts.access) {
      await waitForAccess(admin, user, {
        verbs: [verb],
        apiGroups: ['registry.flotilla.io'],
        resources: [resource],
      });
    }
    promo = await startPromotion({
      fed,
      systemToken: opts.worker.token,
      redis: { host: redis.host, port: redis.port, password: redisPassword },
      environments: opts.environments,
      ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
      ...(opts.replicator ? { replicator: opts.replicator } : {}),
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    });
    return { etcd, redis, docker, fed, promo, redisPassword, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The docker CLI of `docker` with `user`'s own client config under `dir` (its own `docker login`
 * credentials), `input` on stdin. Async: the registries' token endpoint, which the daemon asks
 * during login, push and pull, runs in this process.
 */
export function dockerAs(
  docker: DockerService,
  dir: string,
  user: string,
  args: string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'docker',
      ['--config', join(dir, `docker-${user}`), ...args],
      { env: { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`docker ${args.join(' ')}: ${stderr}`, { cause: err }));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/** An OCI client of `url`, as `user` (name + API token) when given, trusting `ca` when given. */
export function ociAs(url: string, user?: { name: string; token: string }, ca?: string): OciClient {
  return new OciClient({
    url,
    ...(user ? { username: user.name, password: user.token } : {}),
    ...(ca ? { ca } : {}),
  });
}

/** The PromotionRequests API as the holder of `token` (the admin without one). */
export const promotionRequests = (fed: FederationControlPlane, token?: string) =>
  fed.client(token).resource<PromotionRequest>(PROMOTION_REQUESTS);

/** The PromotionRequests (read as the admin) of `digest`, of `repository` only when given. */
export async function requestsFor(
  fed: FederationControlPlane,
  digest: string,
  repository?: string,
): Promise<PromotionRequest[]> {
  return (await promotionRequests(fed).list()).items.filter(
    (p) =>
      p.spec.image.digest === digest &&
      (repository === undefined || p.spec.image.repository === repository),
  );
}

/** Approves request `name` as the holder of `token`, in the role release-manager. */
export const approve = (
  fed: FederationControlPlane,
  token: string,
  name: string,
): Promise<unknown> =>
  promotionRequests(fed, token).subresource(name, 'approval', 'POST', {
    decision: 'approve',
    role: 'release-manager',
  });

/** Creates the ReplicationPolicy `name` (as the admin). */
export const createReplicationPolicy = (
  fed: FederationControlPlane,
  name: string,
  spec: ReplicationPolicy['spec'],
): Promise<unknown> =>
  fed.client().resource(REPLICATION_POLICIES).create({
    apiVersion: 'registry.flotilla.io/v1alpha1',
    kind: 'ReplicationPolicy',
    metadata: { name },
    spec,
  });
