// The copy queue lost under a Copying request (issue #17): redis restarted without persistence
// comes back empty, so a copy job still WAITING for a worker is gone, and no worker will ever
// write that request's status again. The promotion controller (real etcd, federation and
// redis-server; no worker, so the job stays waiting) must notice on its own and queue the copy
// again — before the fix it only looked at the queue when the request changed, and the request
// stayed Copying forever. The redis restart is simulated with FLUSHALL (the same empty queue).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogger } from '../../machinery/controller/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import {
  startEtcd,
  startRedis,
  type EtcdService,
  type RedisService,
} from '../../hack/lib/services.js';
import {
  CopyQueue,
  PromotionController,
  PROMOTION_REQUESTS,
  registryBootstrapPolicy,
  registryResourceTypes,
  type PromotionRequest,
} from '../../registry/index.js';

/** The promotion service's identity: a system user may set a request's phase. */
const SYSTEM_USER = 'system:promotion';
const TOKEN = randomBytes(16).toString('hex');

let etcd: EtcdService | undefined;
let redis: RedisService | undefined;
let fed: FederationControlPlane | undefined;
let copies: CopyQueue | undefined;
const abort = new AbortController();
let running: Promise<void> | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  redis = await startRedis();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    resyncMs: 1000,
    extraResources: registryResourceTypes,
    rbacPolicy: registryBootstrapPolicy([SYSTEM_USER]),
    users: { [TOKEN]: SYSTEM_USER },
  });
  await fed.start();
  copies = new CopyQueue({ redis: { host: redis.host, port: redis.port } });
  const controller = new PromotionController({
    client: fed.client(TOKEN),
    copies,
    logger: consoleLogger('promotion-controller', true),
    checkCopyIntervalMs: 300,
  });
  running = controller.run(abort.signal);
});

afterAll(async () => {
  abort.abort();
  await running;
  await copies?.close();
  await fed?.stop();
  await redis?.stop();
  await etcd?.stop();
});

describe('promotion controller: a copy job the queue lost', () => {
  it('is queued again for a Copying request although nothing about the request changes', async () => {
    const f = fed as FederationControlPlane;
    const q = copies as CopyQueue;
    const rc = f.client(TOKEN).resource<PromotionRequest>(PROMOTION_REQUESTS);
    const created = await rc.create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'PromotionRequest',
      metadata: { name: 'lost-job' },
      spec: {
        image: { repository: 'app/web', digest: `sha256:${'a'.repeat(64)}` },
        from: 'dev',
        to: 'prod',
        requester: 'alice',
        reason: 'test',
        policy: 'dev-to-prod',
      },
    });
    // approved: the controller queues the copy and marks the request Copying
    await rc.updateStatus({ ...created, status: { phase: 'Approved' } });
    await expect
      .poll(async () => (await rc.get('lost-job')).status?.phase, { timeout: 10_000 })
      .toBe('Copying');
    const pr = await rc.get('lost-job');
    await expect.poll(async () => (await q.state(pr)).state, { timeout: 10_000 }).toBe('waiting');
    const { resourceVersion } = pr.metadata;
    // redis comes back empty: the job is gone
    const raw = new Redis({ host: redis?.host ?? '', port: redis?.port ?? 0 });
    await raw.flushall();
    await raw.quit();
    expect((await q.state(pr)).state).toBe('missing');
    // nothing writes the request; the controller's own periodic check queues the copy again
    await expect.poll(async () => (await q.state(pr)).state, { timeout: 10_000 }).toBe('waiting');
    const after = await rc.get('lost-job');
    expect(after.status?.phase).toBe('Copying');
    expect(after.metadata.resourceVersion).toBe(resourceVersion);
  });
});
