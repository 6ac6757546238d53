// Promotion as separate processes: the built flotilla-promotion-service and TWO
// flotilla-promotion-worker binaries against an in-process federation (registry types, approval
// subresource, registry bootstrap policy), a real password-protected redis-server and two real
// docker-registry instances (dev, prod) with Flotilla token auth. An image pushed to dev with the
// OCI client (no dockerd) becomes a Pending request; once approved, one worker takes the copy; it
// is killed with SIGKILL mid-copy (dev is reached through a throttled proxy), and the other worker
// retakes the stalled job: the request Succeeds and prod holds the same digest. SIGTERM stops
// every process with exit 0; --help, bad flags and unreadable files exit 0 / 2.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert } from '../../machinery/apiserver/serving-cert.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort, waitFor } from '../../hack/lib/ports.js';
import { bindClusterRole, waitForAccess } from '../../hack/lib/rbac-bindings.js';
import { startRegistry, type RegistryService } from '../../hack/lib/registry-service.js';
import {
  startEtcd,
  startRedis,
  type EtcdService,
  type RedisService,
} from '../../hack/lib/services.js';
import {
  approvalHandler,
  notificationSecret,
  promotionRequestType,
  pushRandomImage,
  registryBootstrapPolicy,
  registryResourceTypes,
  REGISTRIES,
} from '../../registry/index.js';
import {
  approve,
  createReplicationPolicy,
  ociAs,
  promotionRequests,
  requestsFor,
} from '../support/promotion-federation.js';
import {
  distScript,
  exitWithin,
  spawnBinary,
  waitOutput,
  type SpawnedBinary,
} from '../support/binaries.js';

const SERVICE = distScript('registry/cmd/promotion-service.js');
const WORKER = distScript('registry/cmd/promotion-worker.js');
const SYSTEM_USER = 'system:promotion';
const TOKENS = {
  service: randomBytes(16).toString('hex'),
  alice: randomBytes(16).toString('hex'),
  bob: randomBytes(16).toString('hex'),
};

const procs: SpawnedBinary[] = [];

function start(name: string, script: string, args: string[]): SpawnedBinary {
  const p = spawnBinary(script, args, name);
  procs.push(p);
  return p;
}

/** Copies `from` to `to` at about `bytesPerSecond` (both directions of a proxied connection). */
function pipeSlowly(from: Socket, to: Socket, bytesPerSecond: number): void {
  const slice = Math.max(1, Math.floor(bytesPerSecond / 20));
  from.on('data', (chunk: Buffer) => {
    from.pause();
    let off = 0;
    const tick = (): void => {
      if (to.destroyed) return;
      to.write(chunk.subarray(off, off + slice));
      off += slice;
      if (off < chunk.length) setTimeout(tick, 50);
      else from.resume();
    };
    tick();
  });
  from.on('end', () => to.end());
}

/** A TCP proxy to 127.0.0.1:`port` at `bytesPerSecond`: a copy through it takes seconds. */
async function throttledProxy(port: number, bytesPerSecond: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    pipeSlowly(client, upstream, bytesPerSecond);
    pipeSlowly(upstream, client, bytesPerSecond);
  });
  const p = await freePort();
  await new Promise<void>((resolve) => server.listen(p, '127.0.0.1', () => resolve()));
  return server;
}

const dir = mkdtempSync(join(tmpdir(), 'flotilla-promo-procs-'));
let etcd: EtcdService | undefined;
let redis: RedisService | undefined;
let fed: FederationControlPlane | undefined;
let proxy: Server | undefined;
const registries: RegistryService[] = [];
let service: SpawnedBinary;
let workers: SpawnedBinary[] = [];
let dev: RegistryService;
let prod: RegistryService;

beforeAll(async () => {
  const redisPassword = randomBytes(16).toString('hex');
  etcd = await startEtcd();
  redis = await startRedis({ password: redisPassword });
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    resyncMs: 1000,
    extraResources: registryResourceTypes,
    rbacPolicy: registryBootstrapPolicy([SYSTEM_USER]),
    users: { [TOKENS.service]: SYSTEM_USER, [TOKENS.alice]: 'alice', [TOKENS.bob]: 'bob' },
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

  // the files the binaries read: every secret comes from a file, never argv
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  const kubeconfig = file(
    'promotion.kubeconfig',
    kubeconfigFor({
      name: 'federation',
      server: fed.url,
      token: TOKENS.service,
      caCert: fed.cert.cert,
    }),
  );
  const notificationKey = randomBytes(32).toString('hex');
  const signing = selfSignedCert([], ['flotilla-registry-token']);
  const workerPassword = randomBytes(16).toString('hex');
  const common = [
    '--kubeconfig',
    kubeconfig,
    '--redis',
    `${redis.host}:${String(redis.port)}`,
    '--redis-password-file',
    file('redis-password', `${redisPassword}\n`),
    '--verbose',
  ];
  const listen = await freePort();
  const tokenListen = await freePort();
  service = start('service', SERVICE, [
    ...common,
    '--listen',
    `127.0.0.1:${String(listen)}`,
    '--token-listen',
    `127.0.0.1:${String(tokenListen)}`,
    '--notification-secret-file',
    file('notification-key', notificationKey),
    '--token-signing-cert-file',
    file('token.crt', signing.cert),
    '--token-signing-key-file',
    file('token.key', signing.key),
    '--environments',
    'dev,prod',
    '--protected-environments',
    'prod',
    '--worker-user',
    SYSTEM_USER,
    '--registry-users-file',
    file('registry-users', `# the workers' registry identity\n${SYSTEM_USER}=${workerPassword}\n`),
  ]);
  await waitOutput(service, /flotilla-promotion-service: ready/);
  for (const env of ['dev', 'prod']) {
    registries.push(
      await startRegistry({
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
      }),
    );
  }
  [dev, prod] = registries as [RegistryService, RegistryService];
  // the workers read dev through a proxy at 96 KiB/s: a copy of the image below takes seconds
  proxy = await throttledProxy(dev.port, 96 * 1024);
  const proxyUrl = `http://127.0.0.1:${String((proxy.address() as { port: number }).port)}`;
  for (const [name, url] of [
    ['dev', proxyUrl],
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
  const passwordFile = file('worker-password', workerPassword);
  workers = ['worker-a', 'worker-b'].map((name) =>
    start(name, WORKER, [
      ...common,
      '--registry-user',
      SYSTEM_USER,
      '--registry-password-file',
      passwordFile,
      '--registry-urls',
      `${proxyUrl},${prod.url}`,
      '--worker-concurrency',
      '2',
      '--lock-duration-ms',
      '2000',
      '--copy-backoff-ms',
      '100',
    ]),
  );
  for (const w of workers) await waitOutput(w, /flotilla-promotion-worker: ready/);
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  for (const r of registries) await r.stop();
  await fed?.stop();
  await redis?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('promotion service and workers as processes', () => {
  it('copies an approved push to prod although the worker holding the copy is killed', async () => {
    const f = fed as FederationControlPlane;
    // alice pushes with her federation token: the service's token server asks the federation
    // who she is (SelfSubjectReview) and whether she may push to dev (SubjectAccessReview)
    const image = await pushRandomImage(
      ociAs(dev.url, { name: 'alice', token: TOKENS.alice }),
      'app/web',
      {
        layers: 1,
        layerBytes: 512 * 1024,
        tag: 'v1',
      },
    );
    await expect
      .poll(
        async () => (await requestsFor(f, image.digest, 'app/web')).map((p) => p.status?.phase),
        {
          timeout: 30_000,
        },
      )
      .toEqual(['Pending']);
    const [pr] = await requestsFor(f, image.digest, 'app/web');
    const name = pr?.metadata.name ?? '';
    expect(pr?.spec.requester).toBe('alice');
    await approve(f, TOKENS.bob, name);
    // one worker takes the job; kill it while it copies
    const active = new RegExp(`copy ${name}: active`);
    await waitFor(
      'a worker to take the copy',
      () => Promise.resolve(workers.some((w) => active.test(w.out()))),
      30_000,
    );
    const [holder, other] = active.test(workers[0]?.out() ?? '')
      ? [workers[0] as SpawnedBinary, workers[1] as SpawnedBinary]
      : [workers[1] as SpawnedBinary, workers[0] as SpawnedBinary];
    // the controller marks the request Copying right after queueing it (the worker may be faster)
    await expect
      .poll(async () => (await promotionRequests(f).get(name)).status?.phase, { timeout: 3000 })
      .toBe('Copying');
    holder.child.kill('SIGKILL');
    expect(await exitWithin(holder, 5000)).toBeNull();
    // bullmq's stalled-job check of the other worker puts the job back; it copies again
    await expect
      .poll(async () => (await promotionRequests(f).get(name)).status?.phase, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe('Succeeded');
    expect(other.out()).toMatch(active);
    const asAlice = ociAs(prod.url, { name: 'alice', token: TOKENS.alice });
    expect(await asAlice.headManifest('app/web', image.digest)).toBe(image.digest);
  });

  it('SIGTERM stops the service and the surviving worker with exit 0', async () => {
    const running = [service, ...workers].filter(
      (p) => p.child.exitCode === null && p.child.signalCode === null,
    );
    expect(running).toHaveLength(2);
    for (const p of running) p.child.kill('SIGTERM');
    for (const p of running) {
      expect(await exitWithin(p, 40_000), p.out()).toBe(0);
      expect(p.out()).toMatch(/: stopped/);
    }
  });

  it('--help exits 0; bad flags and unreadable files exit 2 naming every problem', () => {
    for (const [script, name] of [
      [SERVICE, 'flotilla-promotion-service'],
      [WORKER, 'flotilla-promotion-worker'],
    ] as const) {
      const help = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`usage: ${name}`);
      const bad = spawnSync(process.execPath, [script, '--no-such-flag'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('no-such-flag');
    }
    const worker = spawnSync(
      process.execPath,
      [WORKER, '--redis', 'nohost', '--worker-concurrency', '0', '--registry-user', 'u'],
      { encoding: 'utf8' },
    );
    expect(worker.status).toBe(2);
    for (const f of [
      '--kubeconfig',
      '--redis',
      '--worker-concurrency',
      '--registry-password-file',
    ]) {
      expect(worker.stderr).toContain(`${f}:`);
    }
    const missing = join(dir, 'missing');
    const svc = spawnSync(
      process.execPath,
      [
        SERVICE,
        ...['--kubeconfig', missing, '--redis', '127.0.0.1:1', '--environments', 'dev,prod'],
        ...['--notification-secret-file', missing, '--token-signing-cert-file', missing],
        ...['--token-signing-key-file', missing, '--redis-password-file', missing],
      ],
      { encoding: 'utf8' },
    );
    expect(svc.status).toBe(2);
    for (const f of [
      '--kubeconfig',
      '--redis-password-file',
      '--notification-secret-file',
      '--token-signing-cert-file',
      '--token-signing-key-file',
    ]) {
      expect(svc.stderr).toContain(`${f}:`);
    }
    const envs = spawnSync(process.execPath, [SERVICE, '--environments', 'dev', '--listen', 'x'], {
      encoding: 'utf8',
    });
    expect(envs.status).toBe(2);
    // --protected-environments defaults to prod, which --environments dev lacks
    for (const f of ['--kubeconfig', '--redis', '--listen', '--protected-environments']) {
      expect(envs.stderr).toContain(`${f}:`);
    }
  });
});
