// Promotion integrity end to end: the five ways around the approval gate are closed, against real
// docker-registry servers with token auth served by Flotilla, a password-protected redis-server,
// the real docker CLI (docker login / push) and the federation API with RBAC: alice, bob and carol
// request (promotion-requester), only bob approves (promotion-approver), and alice is also a
// registry-admin, so the bypasses that need a policy or Registry write are refused by the
// promotion machinery itself, not only by RBAC.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../machinery/errors/index.js';
import type { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import type { PromotionSetup } from '../../hack/lib/promotion.js';
import { bindClusterRole } from '../../hack/lib/rbac-bindings.js';
import { CLUSTER_ROLES, clusterRole } from '../../machinery/rbac/index.js';
import {
  buildBusyboxImage,
  type DockerService,
  type RegistryService,
} from '../../hack/lib/services.js';
import {
  MAX_NOTIFICATION_BYTES,
  OciClient,
  pushRandomImage,
  REGISTRIES,
  REPLICATION_POLICIES,
  RegistryHttpError,
  type PromotionRequest,
  type ReplicationPolicy,
} from '../../registry/index.js';
import {
  approve as approveAs,
  createReplicationPolicy,
  dockerAs as dockerAsUser,
  ociAs,
  promotionRequests,
  requestsFor as requestsForDigest,
  startPromotionFederation,
  type PromotionFederation,
} from '../support/promotion-federation.js';

const TOKENS = {
  alice: randomBytes(16).toString('hex'),
  bob: randomBytes(16).toString('hex'),
  carol: randomBytes(16).toString('hex'),
  /** Authenticated, but holds no promotion role. */
  dave: randomBytes(16).toString('hex'),
  worker: randomBytes(16).toString('hex'),
};

let env: PromotionFederation;
let docker: DockerService;
let fed: FederationControlPlane;
let promo: PromotionSetup;
let dev: RegistryService;
let prod: RegistryService;
const dir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-bypass-'));

/**
 * The docker CLI with a per-user client config (its own `docker login` credentials). Async: the
 * token endpoint the daemon asks during login and push runs in this process.
 */
const dockerAs = (user: string, args: string[], input?: string): Promise<string> =>
  dockerAsUser(docker, dir, user, args, input);

async function login(user: keyof typeof TOKENS, registry: RegistryService): Promise<void> {
  await dockerAs(user, ['login', registry.host, '-u', user, '--password-stdin'], TOKENS[user]);
}

/** An image pushed to dev. Every push is the same busybox: requests differ by repository. */
interface Pushed {
  digest: string;
  repository: string;
}

/** `docker push` as `user` of a fresh tag of busybox to `repository`. */
async function pushAs(
  user: string,
  registry: RegistryService,
  repository: string,
): Promise<Pushed> {
  const ref = `${registry.host}/${repository}:${randomBytes(4).toString('hex')}`;
  await dockerAs(user, ['tag', buildBusyboxImage(docker.socketPath), ref]);
  const m = /digest: (sha256:[a-f0-9]{64})/.exec(await dockerAs(user, ['push', ref]));
  if (!m?.[1]) throw new Error('no digest in docker push output');
  return { digest: m[1], repository };
}

const oci = (r: RegistryService, user?: keyof typeof TOKENS): OciClient =>
  ociAs(r.url, user ? { name: user, token: TOKENS[user] } : undefined);
const prs = (token: string) => promotionRequests(fed, token);

const requestsFor = (image: Pushed): Promise<PromotionRequest[]> =>
  requestsForDigest(fed, image.digest, image.repository);

async function pendingRequest(image: Pushed): Promise<PromotionRequest> {
  await expect
    .poll(async () => (await requestsFor(image)).map((p) => p.status?.phase), { timeout: 30_000 })
    .toContain('Pending');
  const pr = (await requestsFor(image)).find((p) => p.spec.to === 'prod');
  if (!pr) throw new Error(`no request to prod for ${image.repository}@${image.digest}`);
  return pr;
}

const approve = (token: string, name: string): Promise<unknown> => approveAs(fed, token, name);

beforeAll(async () => {
  const { worker, ...users } = TOKENS;
  env = await startPromotionFederation({
    users,
    worker: { name: 'system:promotion', token: worker },
    bindings: [
      ['promotion-requester', ['alice', 'bob', 'carol']],
      ['promotion-approver', ['bob']],
      ['registry-admin', ['alice']],
    ],
    // alice may POST to the approval subresource (the request's own verb, `create`) but holds no
    // `approve`: the approval handler's own authorization check is what refuses her
    rbac: async (admin) => {
      await admin.resource(CLUSTER_ROLES).create(
        clusterRole('approval-poster', [
          {
            verbs: ['create'],
            apiGroups: ['registry.flotilla.io'],
            resources: ['promotionrequests/approval'],
          },
        ]),
      );
      await bindClusterRole(admin, 'approval-poster', ['alice']);
    },
    access: [
      ['bob', 'approve', 'promotionrequests/approval'],
      ['alice', 'create', 'registries'],
      ['alice', 'create', 'promotionrequests/approval'],
      ['carol', 'create', 'promotionrequests'],
    ],
    environments: ['dev', 'prod'],
  });
  ({ docker, fed, promo } = env);
  dev = promo.registries.dev as RegistryService;
  prod = promo.registries.prod as RegistryService;
  await createReplicationPolicy(fed, 'dev-to-prod', {
    source: 'dev',
    target: 'prod',
    repositories: ['app/**'],
    requiresApproval: true,
    approvers: [{ role: 'release-manager', users: ['bob', 'carol'] }],
  });
  for (const u of ['alice', 'bob', 'carol'] as const) await login(u, dev);
});

afterAll(async () => {
  await env?.stop();
  rmSync(dir, { recursive: true, force: true }); // the docker client configs hold logins
});

describe('promotion integrity', () => {
  it('push-created requests name the pusher; bob approves alice’s push, not his own', async () => {
    const image = await pushAs('alice', dev, 'app/web');
    const pr = await pendingRequest(image);
    expect(pr.spec.requester).toBe('alice'); // bypass 3: not `registry:dev`
    await expect(approve(TOKENS.alice, pr.metadata.name ?? '')).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    const own = await pendingRequest(await pushAs('bob', dev, 'app/bobs'));
    expect(own.spec.requester).toBe('bob');
    await expect(approve(TOKENS.bob, own.metadata.name ?? '')).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await approve(TOKENS.bob, pr.metadata.name ?? '');
    await expect
      .poll(async () => (await prs(TOKENS.bob).get(pr.metadata.name ?? '')).status?.phase, {
        timeout: 60_000,
      })
      .toBe('Succeeded');
    expect(await oci(prod, 'alice').headManifest('app/web', image.digest)).toBe(image.digest);
  });

  it('bypass 1: a policy naming the requester as approver widens nothing', async () => {
    const pols = fed.client(TOKENS.alice).resource<ReplicationPolicy>(REPLICATION_POLICIES);
    // a requester without registry-admin cannot write policies at all (RBAC)
    await expect(
      fed
        .client(TOKENS.carol)
        .resource<ReplicationPolicy>(REPLICATION_POLICIES)
        .patch('dev-to-prod', { spec: { requiresApproval: false } }, 'merge'),
    ).rejects.toBeInstanceOf(ForbiddenError);
    // alice is a registry-admin and a requester: naming herself approver must give her nothing
    await pols.patch(
      'dev-to-prod',
      { spec: { approvers: [{ role: 'release-manager', users: ['alice', 'bob', 'carol'] }] } },
      'merge',
    );
    try {
      const hers = await pendingRequest(await pushAs('alice', dev, 'app/self'));
      await expect(approve(TOKENS.alice, hers.metadata.name ?? '')).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      const carols = await pendingRequest(await pushAs('carol', dev, 'app/carol'));
      await expect(approve(TOKENS.alice, carols.metadata.name ?? '')).rejects.toThrow(
        /cannot approve resource "promotionrequests\/approval"/,
      );
      expect((await prs(TOKENS.alice).get(carols.metadata.name ?? '')).status?.phase).toBe(
        'Pending',
      );
    } finally {
      await pols.patch(
        'dev-to-prod',
        { spec: { approvers: [{ role: 'release-manager', users: ['bob', 'carol'] }] } },
        'merge',
      );
    }
  });

  it('bypass 2: a second Registry naming the prod URL does not reach prod', async () => {
    const c = fed.client(TOKENS.alice);
    // the same endpoint spelled differently: localhost instead of 127.0.0.1
    await c.resource(REGISTRIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'Registry',
      metadata: { name: 'prod-mirror' },
      spec: { url: `http://localhost:${String(prod.port)}`, environment: 'mirror' },
    });
    await c.resource(REPLICATION_POLICIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'ReplicationPolicy',
      metadata: { name: 'dev-to-mirror' },
      spec: { source: 'dev', target: 'prod-mirror', requiresApproval: false },
    });
    try {
      const image = await pushAs('alice', dev, 'app/sneaky');
      await expect
        .poll(
          async () =>
            (await requestsFor(image)).map((p) => `${p.spec.to}:${p.status?.phase ?? ''}`).sort(),
          { timeout: 60_000 },
        )
        .toEqual(['prod-mirror:Failed', 'prod:Pending']);
      const failed = (await requestsFor(image)).find((p) => p.spec.to === 'prod-mirror');
      expect(failed?.status?.message).toContain('claimed by more than one Registry');
      expect(await oci(prod, 'alice').headManifest('app/sneaky', image.digest)).toBeUndefined();
    } finally {
      await fed.client().resource(REPLICATION_POLICIES).delete('dev-to-mirror');
      await fed.client().resource(REGISTRIES).delete('prod-mirror');
    }
  });

  it('bypass 4: forged, unsigned and oversized notifications are refused', async () => {
    const url = `${promo.service.receiver.url}/notify/dev`;
    const digest = `sha256:${randomBytes(32).toString('hex')}`;
    const envelope = JSON.stringify({
      events: [
        {
          action: 'push',
          target: {
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            repository: 'app/forged',
            digest,
            tag: 'v1',
          },
          actor: { name: 'mallory' },
        },
      ],
    });
    const post = (headers: Record<string, string>, body = envelope): Promise<number> =>
      fetch(url, { method: 'POST', headers, body }).then((r) => r.status);
    expect(await post({})).toBe(401);
    expect(await post({ Authorization: 'Bearer guessed' })).toBe(401);
    // prod's secret does not sign dev's notifications
    const prodSecret = promo.service.receiver.secretFor('prod');
    expect(await post({ Authorization: `Bearer ${prodSecret}` })).toBe(401);
    const devSecret = promo.service.receiver.secretFor('dev');
    const huge = 'x'.repeat(MAX_NOTIFICATION_BYTES + 1);
    expect(await post({ Authorization: `Bearer ${devSecret}` }, huge)).toBe(413);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await requestsFor({ digest, repository: 'app/forged' })).toEqual([]);
  });

  it('bypass 5: redis needs its password, and a queued job for a Pending request copies nothing', async () => {
    const opts = { host: env.redis.host, port: env.redis.port, maxRetriesPerRequest: 1 };
    // without the password no command reaches the queue's keys
    const open = new Redis(opts);
    open.on('error', () => undefined); // the refused HELLO is reported here too
    await expect(open.lpush('bull:flotilla-replication:wait', 'forged')).rejects.toThrow(/NOAUTH/);
    open.disconnect();
    const pr = await pendingRequest(await pushAs('alice', dev, 'app/queued'));
    // an insider with the password puts the copy in directly, under the id the controller uses
    const q = new Queue('flotilla-replication', {
      connection: { ...opts, password: env.redisPassword, maxRetriesPerRequest: null },
    });
    const job = await q.add(
      'copy',
      { request: pr.metadata.name ?? '' },
      { jobId: pr.metadata.uid ?? '' },
    );
    await expect.poll(() => job.getState(), { timeout: 30_000 }).toBe('failed');
    await q.close();
    const after = await prs(TOKENS.bob).get(pr.metadata.name ?? '');
    expect(after.status?.phase).toBe('Pending');
    expect(after.status?.message).toContain('not Approved');
    expect(
      await oci(prod, 'alice').headManifest('app/queued', pr.spec.image.digest),
    ).toBeUndefined();
    // the real approval still copies it (the refused job does not block the request's job id)
    await approve(TOKENS.bob, pr.metadata.name ?? '');
    await expect
      .poll(async () => (await prs(TOKENS.bob).get(pr.metadata.name ?? '')).status?.phase, {
        timeout: 60_000,
      })
      .toBe('Succeeded');
  });

  it('prod refuses pushes from anyone but the promotion worker, and anonymous pulls', async () => {
    const manifest = await oci(dev, 'alice')
      .getManifest('app/web', 'latest')
      .catch(() => undefined);
    // an HTTP PUT of a manifest without a token
    const put = await fetch(`${prod.url}/v2/app/web/manifests/evil`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' },
      body: manifest?.bytes ?? '{}',
    });
    expect(put.status).toBe(401);
    // docker push without login, and with alice's login (authenticated, but not the worker)
    const ref = `${prod.host}/app/web:evil`;
    await dockerAs('nobody', ['tag', buildBusyboxImage(docker.socketPath), ref]);
    await expect(dockerAs('nobody', ['push', ref])).rejects.toThrow(/denied|unauthorized/i);
    await login('alice', prod);
    await expect(dockerAs('alice', ['push', ref])).rejects.toThrow(/denied|unauthorized/i);
    const anon = await oci(prod)
      .headManifest('app/web', 'evil')
      .catch((e: unknown) => e);
    expect(anon).toBeInstanceOf(RegistryHttpError);
    expect((anon as RegistryHttpError).status).toBe(401);
    expect(await oci(prod, 'alice').headManifest('app/web', 'evil')).toBeUndefined();
    // dev takes pushes from requesters only: dave is authenticated but may not request
    const daves = await pushRandomImage(oci(dev, 'dave'), 'app/dave', {
      layers: 1,
      layerBytes: 1024,
    })
      .then(() => 'pushed')
      .catch((e: unknown) => (e instanceof RegistryHttpError ? e.status : e));
    expect(daves).toBe(401);
    // a wrong password gets no token at all
    await expect(
      new OciClient({ url: prod.url, username: 'alice', password: TOKENS.bob }).headManifest(
        'app/web',
        'evil',
      ),
    ).rejects.toBeInstanceOf(RegistryHttpError);
  });
});
