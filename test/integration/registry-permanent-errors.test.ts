// Copy errors, classified: a real docker-registry pair (src, dst; deletes enabled), redis, an
// in-process federation serving the registry types and the replicator (the promotion worker's
// bullmq consumer) in this process. A request for a digest src never had fails at once with
// attempts 1 and a MANIFEST_UNKNOWN message (bullmq does not retry it either); a layer deleted
// from src while the copy runs (by a proxy in front of src, right before it forwards that blob's
// GET) ends Failed with BLOB_UNKNOWN and dst never gets the manifest; a src that answers 503
// twice is retried and the copy succeeds.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort } from '../../hack/lib/ports.js';
import { waitForAccess } from '../../hack/lib/rbac-bindings.js';
import { startRegistry, type RegistryService } from '../../hack/lib/registry-service.js';
import {
  startEtcd,
  startRedis,
  type EtcdService,
  type RedisService,
} from '../../hack/lib/services.js';
import {
  OciClient,
  PROMOTION_REQUESTS,
  pushRandomImage,
  registryBootstrapPolicy,
  registryResourceTypes,
  REGISTRIES,
  REPLICATION_POLICIES,
  type PromotionRequest,
} from '../../registry/index.js';
import { CopyQueue } from '../../registry/jobs/copy-queue.js';
import { Replicator } from '../../registry/jobs/replicator.js';

const SYSTEM_USER = 'system:promotion';
const TOKEN = randomBytes(16).toString('hex');

/** What the proxy in front of src does with one request; `forward` passes it on. */
type Intercept = (req: IncomingMessage, res: ServerResponse, forward: () => void) => void;

/** An HTTP proxy to 127.0.0.1:`port` whose requests go through `intercept` (set per test). */
async function interceptingProxy(port: number, state: { intercept?: Intercept }): Promise<Server> {
  const server = createServer((req, res) => {
    const forward = (): void => {
      const up = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (state.intercept) state.intercept(req, res, forward);
    else forward();
  });
  const p = await freePort();
  await new Promise<void>((resolve) => server.listen(p, '127.0.0.1', () => resolve()));
  return server;
}

let etcd: EtcdService | undefined;
let redis: RedisService | undefined;
let fed: FederationControlPlane | undefined;
let src: RegistryService | undefined;
let dst: RegistryService | undefined;
let proxy: Server | undefined;
let queue: CopyQueue | undefined;
let replicator: Replicator | undefined;
let client: RestClient;
const proxyState: { intercept?: Intercept } = {};
const queueName = `test-${randomUUID()}`;

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
  const admin = fed.client();
  await waitForAccess(admin, SYSTEM_USER, {
    verbs: ['create'],
    apiGroups: ['registry.flotilla.io'],
    resources: ['promotionrequests'],
  });
  client = fed.client(TOKEN);
  src = await startRegistry();
  dst = await startRegistry();
  proxy = await interceptingProxy(src.port, proxyState);
  const proxyUrl = `http://127.0.0.1:${String((proxy.address() as { port: number }).port)}`;
  for (const [name, url] of [
    ['src', proxyUrl],
    ['dst', dst.url],
  ] as const) {
    await admin.resource(REGISTRIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'Registry',
      metadata: { name },
      spec: { url, environment: name },
    });
  }
  await admin.resource(REPLICATION_POLICIES).create({
    apiVersion: 'registry.flotilla.io/v1alpha1',
    kind: 'ReplicationPolicy',
    metadata: { name: 'src-to-dst' },
    spec: { source: 'src', target: 'dst', repositories: ['app/**'], requiresApproval: false },
  });
  const endpoint = { host: redis.host, port: redis.port };
  queue = new CopyQueue({ redis: endpoint, queueName });
  replicator = new Replicator({
    client,
    redis: endpoint,
    queueName,
    attempts: 6,
    backoffMs: 100,
    lockDurationMs: 5000,
  });
}, 120_000);

afterAll(async () => {
  await replicator?.close(10_000);
  await queue?.close();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await src?.stop();
  await dst?.stop();
  await fed?.stop();
  await redis?.stop();
  await etcd?.stop();
});

/** Creates an Approved request to copy `repository@digest` from src to dst and queues its copy. */
async function promote(repository: string, digest: string): Promise<string> {
  const rc = client.resource<PromotionRequest>(PROMOTION_REQUESTS);
  const pr = await rc.create({
    apiVersion: 'registry.flotilla.io/v1alpha1',
    kind: 'PromotionRequest',
    metadata: { name: `pr-${randomUUID().slice(0, 8)}` },
    spec: { image: { repository, digest }, from: 'src', to: 'dst', requester: SYSTEM_USER },
  });
  const approved = await rc.updateStatus({ ...pr, status: { phase: 'Approved' } });
  await queue?.enqueue(approved);
  return approved.metadata.name ?? '';
}

/** The request once its phase is final (Succeeded or Failed). */
async function finished(name: string, timeout: number): Promise<PromotionRequest> {
  const rc = client.resource<PromotionRequest>(PROMOTION_REQUESTS);
  await expect
    .poll(async () => (await rc.get(name)).status?.phase, { timeout, interval: 100 })
    .toMatch(/^(Succeeded|Failed)$/);
  return rc.get(name);
}

describe('registry copy errors', () => {
  it('fails a request for a digest the source never had at once: attempts 1, MANIFEST_UNKNOWN', async () => {
    const missing = `sha256:${randomBytes(32).toString('hex')}`;
    const name = await promote('app/none', missing);
    // (it used to take ~25 s over 4 attempts)
    const pr = await finished(name, 10_000);
    expect(pr.status?.phase).toBe('Failed');
    expect(pr.status?.attempts).toBe(1);
    expect(pr.status?.message).toBe(
      `source manifest app/none@${missing} not found (MANIFEST_UNKNOWN): permanent, not retried`,
    );
    // bullmq does not retry it either: the job failed on its first attempt
    const job = await queue?.queue.getJob(pr.metadata.uid ?? '');
    await expect.poll(() => job?.getState()).toBe('failed');
    expect((await queue?.queue.getJob(pr.metadata.uid ?? ''))?.attemptsMade).toBe(1);
  });

  it('a layer deleted from the source mid-copy ends Failed, and the manifest is not pushed', async () => {
    const s = src as RegistryService;
    const direct = new OciClient({ url: s.url });
    const image = await pushRandomImage(direct, 'app/gone', { layers: 3, layerBytes: 64 * 1024 });
    const victim = image.blobs[1]?.digest ?? '';
    let deleteStatus = 0;
    // the manifest was fetched already: right before its GET reaches the source, the layer goes
    proxyState.intercept = (req, _res, forward) => {
      const path = `/v2/app/gone/blobs/${victim}`;
      if (req.method !== 'GET' || req.url !== path || deleteStatus !== 0) {
        forward();
        return;
      }
      deleteStatus = -1;
      direct.request('DELETE', path).then(
        (r) => {
          deleteStatus = r.status;
          forward();
        },
        (err: unknown) => {
          console.error('deleting the layer failed:', err);
          forward();
        },
      );
    };
    try {
      const name = await promote('app/gone', image.digest);
      const pr = await finished(name, 15_000);
      expect(deleteStatus).toBe(202);
      expect(pr.status?.phase).toBe('Failed');
      expect(pr.status?.attempts).toBe(1);
      expect(pr.status?.message).toBe(
        `source blob app/gone@${victim} not found (BLOB_UNKNOWN): permanent, not retried`,
      );
      const target = new OciClient({ url: (dst as RegistryService).url });
      expect(await target.headManifest('app/gone', image.digest)).toBeUndefined();
    } finally {
      delete proxyState.intercept;
    }
  });

  it('retries a source that answers 503 twice, and the copy succeeds', async () => {
    const s = src as RegistryService;
    const image = await pushRandomImage(new OciClient({ url: s.url }), 'app/busy', {
      layers: 2,
      layerBytes: 32 * 1024,
    });
    let refused = 0;
    proxyState.intercept = (req, res, forward) => {
      if (req.method === 'GET' && req.url?.startsWith('/v2/app/busy/manifests/') && refused < 2) {
        refused++;
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '0' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }));
        return;
      }
      forward();
    };
    try {
      const name = await promote('app/busy', image.digest);
      const pr = await finished(name, 30_000);
      expect(refused).toBe(2);
      expect(pr.status?.phase).toBe('Succeeded');
      expect(pr.status?.attempts).toBe(3);
      const target = new OciClient({ url: (dst as RegistryService).url });
      expect(await target.headManifest('app/busy', image.digest)).toBe(image.digest);
    } finally {
      delete proxyState.intercept;
    }
  });
});
