// Promotion registries over TLS: real docker-registry servers with a serving certificate from a CA
// the set-up makes (startPromotion({ tls: true })), the token realm and the notification receiver
// on https with the same CA, the real docker CLI (login, push) and a promotion copy by the
// replicator, which trusts the CA through the Registry objects' caBundle.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import type { PromotionSetup } from '../../hack/lib/promotion.js';
import { DOCKER_CERTS_DIR } from '../../hack/lib/registry-service.js';
import {
  buildBusyboxImage,
  makeRegistryTls,
  type DockerService,
  type RegistryService,
} from '../../hack/lib/services.js';
import {
  PROMOTION_REQUESTS,
  REGISTRIES,
  type OciClient,
  type PromotionRequest,
  type Registry,
} from '../../registry/index.js';
import {
  approve,
  createReplicationPolicy,
  dockerAs as dockerAsUser,
  ociAs,
  startPromotionFederation,
  type PromotionFederation,
} from '../support/promotion-federation.js';

const TOKENS = {
  alice: randomBytes(16).toString('hex'),
  bob: randomBytes(16).toString('hex'),
  worker: randomBytes(16).toString('hex'),
};
const dir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-tls-'));

let env: PromotionFederation;
let docker: DockerService;
let fed: FederationControlPlane;
let promo: PromotionSetup;
let dev: RegistryService;
let prod: RegistryService;

/** The docker CLI as `user` (own client config); async, the token realm runs in this process. */
const dockerAs = (user: string, args: string[], input?: string): Promise<string> =>
  dockerAsUser(docker, dir, user, args, input);

/** A plain-HTTP GET: the status and body, or the connection error. */
function plainGet(url: string): Promise<{ status: number; body: string } | Error> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => resolve(err));
    req.end();
  });
}

const oci = (r: RegistryService, ca?: string): OciClient =>
  ociAs(r.url, { name: 'alice', token: TOKENS.alice }, ca);

beforeAll(async () => {
  env = await startPromotionFederation({
    users: { alice: TOKENS.alice, bob: TOKENS.bob },
    worker: { name: 'system:promotion', token: TOKENS.worker },
    bindings: [
      ['promotion-requester', ['alice', 'bob']],
      ['promotion-approver', ['bob']],
    ],
    access: [
      ['alice', 'create', 'promotionrequests'],
      ['bob', 'approve', 'promotionrequests/approval'],
    ],
    environments: ['dev', 'prod'],
    tls: true,
  });
  ({ docker, fed, promo } = env);
  dev = promo.registries.dev as RegistryService;
  prod = promo.registries.prod as RegistryService;
  await createReplicationPolicy(fed, 'dev-to-prod', {
    source: 'dev',
    target: 'prod',
    repositories: ['**'],
    requiresApproval: true,
    approvers: [{ role: 'release-manager', users: ['bob'] }],
  });
});

afterAll(async () => {
  await env?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('promotion registries over TLS', () => {
  it('prod refuses plain HTTP and serves HTTPS verified with the set-up CA', async () => {
    expect(prod.url).toBe(`https://${prod.host}`);
    const plain = await plainGet(`http://${prod.host}/v2/`);
    // Go's TLS listener answers a plain request with 400 and serves nothing of the API
    expect(plain instanceof Error || plain.status === 400).toBe(true);
    if (!(plain instanceof Error)) expect(plain.body).toMatch(/HTTP request to an HTTPS server/);
    const client = oci(prod, promo.ca);
    expect(await client.headManifest('app/none', 'latest')).toBeUndefined();
    expect(promo.tokens.realm).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/token$/);
    // the Registry objects carry the CA, base64-encoded like Kubernetes caBundle fields
    const reg = await fed.client().resource<Registry>(REGISTRIES).get('prod');
    expect(Buffer.from(reg.spec.caBundle ?? '', 'base64').toString()).toBe(promo.ca);
    // dockerd's per-registry CA folder, removed again when the registry stops
    // (written when it can be: as root, which the set-up runs as)
    if (process.getuid?.() === 0) {
      expect(existsSync(join(DOCKER_CERTS_DIR, prod.host, 'ca.crt'))).toBe(true);
      expect(readFileSync(join(DOCKER_CERTS_DIR, prod.host, 'ca.crt'), 'utf8')).toBe(promo.ca);
    }
  });

  it('a client without the CA, or with another CA, fails certificate verification', async () => {
    const verifyError = /self[- ]signed certificate|unable to verify|certificate/i;
    const causeOf = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'no error';
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        return `${e.message} ${e.cause?.code ?? ''} ${e.cause?.message ?? ''}`;
      }
    };
    expect(await causeOf(oci(prod).headManifest('app/none', 'latest'))).toMatch(verifyError);
    expect(
      await causeOf(oci(prod, makeRegistryTls().ca).headManifest('app/none', 'latest')),
    ).toMatch(verifyError);
    // the token realm is verified the same way (it receives passwords)
    expect(await causeOf(fetch(promo.tokens.realm))).toMatch(/fetch failed|certificate/i);
  });

  it('a docker push over TLS is promoted to prod with its digest preserved', async () => {
    await dockerAs('alice', ['login', dev.host, '-u', 'alice', '--password-stdin'], TOKENS.alice);
    const ref = `${dev.host}/app/web:${randomBytes(4).toString('hex')}`;
    await dockerAs('alice', ['tag', buildBusyboxImage(docker.socketPath), ref]);
    const m = /digest: (sha256:[a-f0-9]{64})/.exec(await dockerAs('alice', ['push', ref]));
    const digest = m?.[1] ?? '';
    expect(digest).toMatch(/^sha256:/);
    // the push notification reached the https receiver (the registry trusts the set-up CA)
    const prs = fed.client(TOKENS.bob).resource<PromotionRequest>(PROMOTION_REQUESTS);
    const forDigest = async (): Promise<PromotionRequest | undefined> =>
      (await prs.list()).items.find((p) => p.spec.image.digest === digest && p.spec.to === 'prod');
    await expect
      .poll(async () => (await forDigest())?.spec.requester, { timeout: 30_000 })
      .toBe('alice');
    const name = (await forDigest())?.metadata.name ?? '';
    await approve(fed, TOKENS.bob, name);
    await expect
      .poll(async () => (await prs.get(name)).status?.phase, { timeout: 60_000 })
      .toBe('Succeeded');
    expect(await oci(prod, promo.ca).headManifest('app/web', digest)).toBe(digest);
    const manifest = await oci(prod, promo.ca).getManifest('app/web', digest);
    expect(manifest.digest).toBe(digest);
  });
});
