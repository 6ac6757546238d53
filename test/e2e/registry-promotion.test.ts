// Image promotion end to end: real docker-registry servers per environment posting push
// notifications, real redis-server for bullmq, the federation API for requests and approvals,
// the real docker CLI for push and pull. The registries use Flotilla's token auth: the docker CLI
// logs in as alice (name + API token), the replicator pushes as the notifier's identity.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  type Cluster,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../federation/apis/index.js';
import type { ImageGate } from '../../federation/controllers/propagation/propagation-controller.js';
import { AlreadyExistsError, ForbiddenError, NotFoundError } from '../../machinery/errors/index.js';
import type { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort } from '../../hack/lib/ports.js';
import {
  buildBusyboxImage,
  startRegistry,
  type DockerService,
  type RegistryService,
} from '../../hack/lib/services.js';
import {
  copyImage,
  createImageGate,
  ImageNotPromotedError,
  OciClient,
  pushRandomImage,
  RegistryHttpError,
  PROMOTION_REQUESTS,
  REGISTRIES,
  REPLICATION_POLICIES,
  type PromotionRequest,
} from '../../registry/index.js';
import { runRegistryCli } from '../../registry/cli/run-registry-cli.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { DEPLOYMENTS, type Deployment } from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { REGISTRY_CREDENTIALS_NAMESPACE } from '../../registry/rbac/registry-bootstrap-policy.js';
import { flotilla } from '../support/cli-runner.js';
import {
  createReplicationPolicy,
  dockerAs,
  ociAs,
  requestsFor as requestsForDigest,
  startPromotionFederation,
  type PromotionFederation,
} from '../support/promotion-federation.js';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };

const TOKENS = {
  alice: randomBytes(8).toString('hex'),
  bob: randomBytes(8).toString('hex'),
  notifier: randomBytes(8).toString('hex'),
};
let env: PromotionFederation;
let docker: DockerService;
let fed: FederationControlPlane;
/** Hollow member cluster of environment `prod`, joined by the gating test. */
let prodMember: MemberCluster;
const regs: Record<string, RegistryService> = {};
/** Services started by single tests, stopped in afterAll. */
const extra: { stop(): Promise<void> }[] = [];
let dockerEnv: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-reg-'));
const fedKubeconfig = join(dir, 'federation.kubeconfig');

/**
 * The docker CLI, logged in as alice (its own client config). Async: the registries' token
 * endpoint, which the daemon asks during login, push and pull, runs in this process.
 */
const dockerCli = (...args: string[]): Promise<string> =>
  dockerAs(docker, dir, 'alice', args, args[0] === 'login' ? TOKENS.alice : '');

/** An OCI client of `url` logged in as alice (push and pull on dev, pull on prod). */
const asAlice = (url: string): OciClient => ociAs(url, { name: 'alice', token: TOKENS.alice });

/** Pushes the busybox image (plus `extraMb` of random data, to make copies take time) and returns its digest. */
async function pushImage(
  registry: RegistryService,
  repo: string,
  tag: string,
  extraMb = 0,
): Promise<string> {
  let local = buildBusyboxImage(docker.socketPath);
  if (extraMb > 0) {
    const ctx = join(dir, `ctx-${tag}`);
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'blob'), randomBytes(extraMb * 1024 * 1024));
    execFileSync('sh', ['-c', `tar -C ${ctx} -c blob | docker import - flotilla/big:${tag}`], {
      env: dockerEnv,
    });
    local = `flotilla/big:${tag}`;
  }
  const ref = `${registry.host}/${repo}:${tag}`;
  await dockerCli('tag', local, ref);
  const out = await dockerCli('push', ref);
  const m = /digest: (sha256:[a-f0-9]{64})/.exec(out);
  if (!m?.[1]) throw new Error(`no digest in docker push output: ${out}`);
  return m[1];
}

const requestsFor = (digest: string, repository?: string): Promise<PromotionRequest[]> =>
  requestsForDigest(fed, digest, repository);

beforeAll(async () => {
  // the gate needs a federation client, which exists only once the control plane listens
  let gate: ImageGate | undefined;
  env = await startPromotionFederation({
    // RBAC: the notifier gets the PromotionService role; alice and bob request and approve
    users: { alice: TOKENS.alice, bob: TOKENS.bob },
    worker: { name: 'system:registry-notifier', token: TOKENS.notifier },
    bindings: [
      ['promotion-requester', ['alice', 'bob']],
      ['promotion-approver', ['alice', 'bob']],
    ],
    access: [['bob', 'approve', 'promotionrequests/approval']],
    environments: ['dev', 'prod', 'edge-a', 'edge-b'],
    replicator: { attempts: 8, backoffMs: 300 },
    federation: {
      kubeconfigPath: fedKubeconfig,
      health: {
        probePeriodMs: 1000,
        probeTimeoutMs: 2000,
        failureThreshold: 3,
        halfOpenAfterMs: 2000,
      },
      imageGate: (obj, cluster) => {
        gate ??= createImageGate(fed.client(), { username: 'alice', password: TOKENS.alice });
        return gate(obj, cluster);
      },
    },
  });
  ({ docker, fed } = env);
  dockerEnv = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
  Object.assign(regs, env.promo.registries);
  for (const r of Object.values(env.promo.registries)) {
    await dockerCli('login', r.host, '-u', 'alice', '--password-stdin');
  }
  await createReplicationPolicy(fed, 'dev-to-prod', {
    source: 'dev',
    target: 'prod',
    mode: 'OneWay',
    repositories: ['app/**'],
    requiresApproval: true,
    approvers: [{ role: 'release-manager', users: ['alice', 'bob'] }],
  });
  await createReplicationPolicy(fed, 'edge-sync', {
    source: 'edge-a',
    target: 'edge-b',
    mode: 'TwoWay',
    requiresApproval: false,
  });
  prodMember = new MemberCluster({
    name: 'prod-1',
    etcdEndpoint: env.etcd.endpoint,
    nodes: 1,
    runtime: 'hollow',
    nodeAddressPrefix: '127.0.71.',
    port: await freePort(),
    kubeconfigPath: join(dir, 'prod-1.kubeconfig'),
  });
  await prodMember.start();
});

afterAll(async () => {
  await env?.stop({
    afterPromotion: async () => {
      await prodMember?.stop();
    },
    afterFederation: async () => {
      for (const x of extra) await x.stop();
    },
  });
});

describe('image promotion between environment registries', () => {
  let digest = '';

  it('a push to dev creates a pending promotion request; approval by another user copies it to prod with the same digest', async () => {
    const dev = regs.dev as RegistryService;
    const prod = regs.prod as RegistryService;
    digest = await pushImage(dev, 'app/web', 'v1');
    await expect
      .poll(
        async () =>
          (await requestsFor(digest, 'app/web')).map(
            (p) => `${p.spec.from}->${p.spec.to}:${p.status?.phase ?? ''}`,
          ),
        { timeout: 30_000 },
      )
      .toEqual(['dev->prod:Pending']);
    const [pr] = await requestsFor(digest, 'app/web');
    // the registry's token auth names the pusher, and the notification records her
    expect(pr?.spec.requester).toBe('alice');
    const kc = join(dir, 'bob.kubeconfig');
    writeFileSync(
      kc,
      kubeconfigFor({ name: 'bob', server: fed.url, token: TOKENS.bob, caCert: fed.cert.cert }),
    );
    let out = '';
    const code = await runRegistryCli(
      ['--kubeconfig', kc, 'approve', pr?.metadata.name ?? '', '--role', 'release-manager'],
      { stdout: (s) => (out += s), stderr: (s) => (out += s), env: {} },
    );
    expect(code).toBe(0);
    expect(out).toContain('Approved');
    await expect
      .poll(async () => (await requestsFor(digest, 'app/web'))[0]?.status?.phase, {
        timeout: 60_000,
      })
      .toBe('Succeeded');
    const prodClient = asAlice(prod.url);
    expect(await prodClient.headManifest('app/web', digest)).toBe(digest);
    expect(await prodClient.headManifest('app/web', 'v1')).toBe(digest);
    try {
      await dockerCli('rmi', '-f', `${prod.host}/app/web:v1`);
    } catch {
      // not present locally: the pull below must fetch it from prod
    }
    expect(await dockerCli('pull', `${prod.host}/app/web@${digest}`)).toContain(digest);
  });

  it('refuses self-approval', async () => {
    const alice = fed.client(TOKENS.alice);
    const pr = await alice.resource<PromotionRequest>(PROMOTION_REQUESTS).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'PromotionRequest',
      metadata: { generateName: 'manual-' },
      spec: {
        image: { repository: 'app/web', digest },
        from: 'dev',
        to: 'prod',
        requester: 'bob',
        reason: 'hotfix',
      },
    });
    expect(pr.spec.requester).toBe('alice'); // the server records who asked, whatever the body says
    await expect
      .poll(
        async () =>
          (await alice.resource<PromotionRequest>(PROMOTION_REQUESTS).get(pr.metadata.name ?? ''))
            .status?.phase,
        { timeout: 20_000 },
      )
      .toBe('Pending');
    await expect(
      alice.resource(PROMOTION_REQUESTS).subresource(pr.metadata.name ?? '', 'approval', 'POST', {
        decision: 'approve',
        role: 'release-manager',
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(
      (await alice.resource<PromotionRequest>(PROMOTION_REQUESTS).get(pr.metadata.name ?? ''))
        .status?.phase,
    ).toBe('Pending');
    // nor through the status subresource: the requester cannot write phase or approvals
    const before = await alice
      .resource<PromotionRequest>(PROMOTION_REQUESTS)
      .get(pr.metadata.name ?? '');
    await expect(
      alice.resource<PromotionRequest>(PROMOTION_REQUESTS).updateStatus({
        ...before,
        status: {
          ...before.status,
          phase: 'Approved',
          approvals: [
            {
              user: 'bob',
              role: 'release-manager',
              decision: 'approve',
              time: '2026-01-01T00:00:00Z',
            },
          ],
        },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    // a main-resource write cannot change the requester either, nor carry a status change
    await expect(
      alice
        .resource<PromotionRequest>(PROMOTION_REQUESTS)
        .patch(pr.metadata.name ?? '', { spec: { requester: 'carol' } }, 'merge'),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await alice
      .resource<PromotionRequest>(PROMOTION_REQUESTS)
      .update({ ...before, status: { ...before.status, phase: 'Approved' } })
      .catch(() => undefined);
    const after = await alice
      .resource<PromotionRequest>(PROMOTION_REQUESTS)
      .get(pr.metadata.name ?? '');
    expect(after.status).toEqual(before.status);
    expect(after.spec).toEqual(before.spec);
    expect(after.status?.phase).toBe('Pending');
    const kc = join(dir, 'alice.kubeconfig');
    writeFileSync(
      kc,
      kubeconfigFor({ name: 'alice', server: fed.url, token: TOKENS.alice, caCert: fed.cert.cert }),
    );
    let err = '';
    expect(
      await runRegistryCli(
        ['--kubeconfig', kc, 'approve', pr.metadata.name ?? '', '--role', 'release-manager'],
        { stdout: () => undefined, stderr: (s) => (err += s), env: {} },
      ),
    ).toBe(1);
    expect(err).toContain('cannot approve');
  });

  // a registry stopped mid-copy (retried, same digest): test/e2e/promotion-faults.test.ts
  it('a replication without approval copies to staging; a re-run of the finished copy uploads nothing', async () => {
    const dev = regs.dev as RegistryService;
    const staging = await startRegistry();
    extra.push(staging);
    const c = fed.client();
    await c.resource(REGISTRIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'Registry',
      metadata: { name: 'staging' },
      spec: { url: staging.url, environment: 'staging' },
    });
    await c.resource(REPLICATION_POLICIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'ReplicationPolicy',
      metadata: { name: 'dev-to-staging' },
      spec: { source: 'dev', target: 'staging', repositories: ['big/**'], requiresApproval: false },
    });
    const image = await pushRandomImage(asAlice(dev.url), 'big/app', {
      layers: 3,
      layerBytes: 64 * 1024,
      tag: 'v1',
    });
    const big = image.digest;
    await expect
      .poll(async () => (await requestsFor(big))[0]?.status?.phase, { timeout: 60_000 })
      .toBe('Succeeded');
    const direct = new OciClient({ url: staging.url });
    expect(await direct.headManifest('big/app', big)).toBe(big);
    for (const b of image.blobs) expect(await direct.hasBlob('big/app', b.digest)).toBe(true);
    // a re-run of a finished copy only checks: nothing is uploaded again
    const again = await copyImage(asAlice(dev.url), direct, 'big/app', big);
    expect(again.blobsDone).toBe(0);
    expect(again.bytesDone).toBe(0);
  });

  it('uses the credentials Secret of a Registry; without it the copy fails with the 401', async () => {
    const dev = regs.dev as RegistryService;
    // bcrypt of "flotilla-e2e-pw" (docker-registry accepts only bcrypt htpasswd entries)
    const htpasswd = 'promoter:$2b$05$rejxEEKHeV2ZvgDWGnd4F.kbggg9wDYC2TRAPlF0sOVo8vFgEDgXC\n';
    const vault = await startRegistry({ htpasswd });
    // a registry of its own: the replicator refuses a target URL two Registry objects claim
    const vaultAnon = await startRegistry({ htpasswd });
    extra.push(vault, vaultAnon);
    const c = fed.client();
    // the PromotionService may read credentials in this namespace only
    await c
      .resource(NAMESPACES)
      .create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: REGISTRY_CREDENTIALS_NAMESPACE },
      })
      .catch((err: unknown) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
    await c.resource(SECRETS, REGISTRY_CREDENTIALS_NAMESPACE).create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vault-push' },
      data: {
        username: Buffer.from('promoter').toString('base64'),
        password: Buffer.from('flotilla-e2e-pw').toString('base64'),
      },
    });
    for (const [name, creds] of [
      ['vault', true],
      ['vault-anon', false],
    ] as const) {
      await c.resource(REGISTRIES).create({
        apiVersion: 'registry.flotilla.io/v1alpha1',
        kind: 'Registry',
        metadata: { name },
        spec: {
          url: creds ? vault.url : vaultAnon.url,
          environment: name,
          ...(creds
            ? {
                credentialsSecretRef: {
                  namespace: REGISTRY_CREDENTIALS_NAMESPACE,
                  name: 'vault-push',
                },
              }
            : {}),
        },
      });
      await c.resource(REPLICATION_POLICIES).create({
        apiVersion: 'registry.flotilla.io/v1alpha1',
        kind: 'ReplicationPolicy',
        metadata: { name: `dev-to-${name}` },
        spec: { source: 'dev', target: name, repositories: ['secure/**'], requiresApproval: false },
      });
    }
    const { digest: d } = await pushRandomImage(asAlice(dev.url), 'secure/app', {
      layers: 2,
      layerBytes: 64 * 1024,
      tag: 'v1',
    });
    await expect
      .poll(
        async () =>
          (await requestsFor(d, 'secure/app'))
            .map((p) => `${p.spec.to}:${p.status?.phase ?? ''}`)
            .sort(),
        { timeout: 60_000 },
      )
      .toEqual(['vault-anon:Failed', 'vault:Succeeded']);
    const failed = (await requestsFor(d, 'secure/app')).find((p) => p.spec.to === 'vault-anon');
    expect(failed?.status?.message).toContain('HTTP 401');
    expect(failed?.status?.message).toContain('credentialsSecretRef');
    const authed = new OciClient({
      url: vault.url,
      username: 'promoter',
      password: 'flotilla-e2e-pw',
    });
    expect(await authed.headManifest('secure/app', d)).toBe(d);
    const anon = await new OciClient({ url: vault.url })
      .headManifest('secure/app', d)
      .catch((e: unknown) => e);
    expect(anon).toBeInstanceOf(RegistryHttpError);
    expect((anon as RegistryHttpError).status).toBe(401);
  });

  it('copies between repositories of one registry by mounting blobs, not streaming them', async () => {
    const dev = asAlice((regs.dev as RegistryService).url);
    const p = await copyImage(dev, dev, 'app/web', digest, { targetRepository: 'mirror/web' });
    expect(p.blobsDone).toBeGreaterThan(0);
    expect(p.bytesDone).toBe(0);
    expect(await dev.headManifest('mirror/web', digest)).toBe(digest);
  });

  it('two-way sync copies both ways without looping', async () => {
    const a = regs['edge-a'] as RegistryService;
    const b = regs['edge-b'] as RegistryService;
    const d = await pushImage(a, 'tools/box', 'v1');
    await expect
      .poll(
        async () =>
          (await requestsFor(d, 'tools/box')).map(
            (p) => `${p.spec.from}->${p.spec.to}:${p.status?.phase ?? ''}`,
          ),
        { timeout: 60_000 },
      )
      .toEqual(['edge-a->edge-b:Succeeded']);
    expect(await asAlice(b.url).headManifest('tools/box', d)).toBe(d);
    // the replicator's own push to edge-b must not come back as a request edge-b -> edge-a
    await new Promise((r) => setTimeout(r, 3000));
    expect((await requestsFor(d, 'tools/box')).length).toBe(1);
    const d2 = await pushImage(b, 'tools/other', 'v1');
    await expect
      .poll(
        async () =>
          (await requestsFor(d2, 'tools/other')).map(
            (p) => `${p.spec.from}->${p.spec.to}:${p.status?.phase ?? ''}`,
          ),
        { timeout: 60_000 },
      )
      .toEqual(['edge-b->edge-a:Succeeded']);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await requestsFor(d2, 'tools/other')).length).toBe(1);
  });

  it('gates workload images on promotion to the cluster environment registry', async () => {
    const gate = createImageGate(fed.client(), { username: 'alice', password: TOKENS.alice });
    const dev = regs.dev as RegistryService;
    const prod = regs.prod as RegistryService;
    const workload = (image: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'w' },
      spec: { template: { spec: { containers: [{ name: 'c', image }] } } },
    });
    const out = await gate(workload(`${dev.host}/app/web@${digest}`), {
      spec: { environment: 'prod' },
    });
    expect(
      (out.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
        .containers[0]?.image,
    ).toBe(`${prod.host}/app/web@${digest}`);
    const notPromoted = await pushImage(dev, 'app/unreleased', 'v1', 1);
    await expect(
      gate(workload(`${dev.host}/app/unreleased@${notPromoted}`), {
        spec: { environment: 'prod' },
      }),
    ).rejects.toBeInstanceOf(ImageNotPromotedError);
  });

  it('propagation rewrites a promoted image to the prod registry of the member and refuses a digest not promoted there', async () => {
    expect(digest).toMatch(/^sha256:/); // promoted to prod by the first test
    const dev = regs.dev as RegistryService;
    const prod = regs.prod as RegistryService;
    const joined = await flotilla(
      fedKubeconfig,
      'join',
      'prod-1',
      '--member-kubeconfig',
      join(dir, 'prod-1.kubeconfig'),
      '--environment',
      'prod',
    );
    expect(joined.stderr).toBe('');
    expect(joined.code).toBe(0);
    const c = fed.client();
    expect((await c.resource<Cluster>(CLUSTERS).get('prod-1')).spec.environment).toBe('prod');
    await expect
      .poll(
        async () =>
          (await c.resource<Cluster>(CLUSTERS).get('prod-1')).status?.conditions?.find(
            (x) => x.type === 'Ready',
          )?.status,
        { timeout: 60_000 },
      )
      .toBe('True');
    await c.resource<PropagationPolicy>(PROPAGATION_POLICIES, 'default').create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'gated-to-prod' },
      spec: {
        resourceSelectors: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            labelSelector: { matchLabels: { gated: 'yes' } },
          },
        ],
        placement: { clusterAffinity: { clusterNames: ['prod-1'] } },
      },
    });
    const deployment = (name: string, image: string): Deployment => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { gated: 'yes' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'c', image }] },
        },
      },
    });
    const inMember = async (name: string): Promise<string | undefined> => {
      try {
        const d = await prodMember.client().resource<Deployment>(DEPLOYMENTS, 'default').get(name);
        return d.spec.template.spec.containers[0]?.image;
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    };
    const binding = (name: string): Promise<ResourceBinding | undefined> =>
      c
        .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
        .get(`${name}-deployment`)
        .catch(() => undefined);

    // (1) promoted digest: the member runs it from the prod registry, same digest
    await c
      .resource<Deployment>(DEPLOYMENTS, 'default')
      .create(deployment('gated-web', `${dev.host}/app/web@${digest}`));
    await expect
      .poll(() => inMember('gated-web'), { timeout: 60_000 })
      .toBe(`${prod.host}/app/web@${digest}`);
    await expect
      .poll(
        async () =>
          (await binding('gated-web'))?.status?.aggregatedStatus?.map(
            (s) => `${s.clusterName}:${String(s.applied)}`,
          ),
        { timeout: 30_000 },
      )
      .toEqual(['prod-1:true']);
    // the template keeps the dev reference: only the member copy is rewritten
    expect(
      (await c.resource<Deployment>(DEPLOYMENTS, 'default').get('gated-web')).spec.template.spec
        .containers[0]?.image,
    ).toBe(`${dev.host}/app/web@${digest}`);

    // (2) a digest pushed to dev but not promoted (its request waits for approval)
    const { digest: held } = await pushRandomImage(asAlice(dev.url), 'app/held', {
      layers: 1,
      layerBytes: 64 * 1024,
      tag: 'v1',
    });
    await expect
      .poll(
        async () =>
          (await requestsFor(held, 'app/held')).map(
            (p) => `${p.spec.from}->${p.spec.to}:${p.status?.phase ?? ''}`,
          ),
        { timeout: 30_000 },
      )
      .toEqual(['dev->prod:Pending']);
    const heldImage = `${dev.host}/app/held@${held}`;
    await c
      .resource<Deployment>(DEPLOYMENTS, 'default')
      .create(deployment('gated-held', heldImage));
    const refused = `image ${heldImage} has not been promoted to the prod registry`;
    await expect
      .poll(
        async () =>
          (await binding('gated-held'))?.status?.aggregatedStatus?.map((s) => ({
            cluster: s.clusterName,
            applied: s.applied,
            message: s.appliedMessage,
          })),
        { timeout: 60_000 },
      )
      .toEqual([{ cluster: 'prod-1', applied: false, message: refused }]);
    const rb = await binding('gated-held');
    expect(rb?.status?.conditions?.find((x) => x.type === 'FullyApplied')).toMatchObject({
      status: 'False',
      reason: 'FullyAppliedFailed',
      message: `prod-1: ${refused}`,
    });
    expect(await inMember('gated-held')).toBeUndefined();

    // once approved and copied to prod, the next reconcile propagates it, rewritten
    const [pr] = await requestsFor(held, 'app/held');
    await fed
      .client(TOKENS.bob)
      .resource(PROMOTION_REQUESTS)
      .subresource(pr?.metadata.name ?? '', 'approval', 'POST', {
        decision: 'approve',
        role: 'release-manager',
      });
    await expect
      .poll(async () => (await requestsFor(held, 'app/held'))[0]?.status?.phase, {
        timeout: 60_000,
      })
      .toBe('Succeeded');
    await expect
      .poll(() => inMember('gated-held'), { timeout: 60_000 })
      .toBe(`${prod.host}/app/held@${held}`);
  });
});
