// Authentication of the member and federation API servers (issue 10, part 1), against a real
// MemberCluster and a real FederationControlPlane on real etcd, with the real kubectl: tokens that
// must never authenticate (prototype names, empty, random) on every kind of path, client
// certificates of the cluster CA (and not of another CA), `kubectl auth whoami`, `kubectl create
// token` (revoked when the ServiceAccount goes), bootstrap tokens (expiry), impersonation rights,
// the failed-login rate limit, and joining a member whose kubeconfig holds a client certificate.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTERS } from '../../federation/apis/index.js';
import { runCli } from '../../federation/cli/run-cli.js';
import { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { NAMESPACES, SECRETS, SERVICE_ACCOUNTS } from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { probe } from '../support/https-probe.js';

const run = promisify(execFile);

interface Target {
  name: string;
  url: string;
  /** CA bundle of the server (serving chain: leaf + cluster CA). */
  ca: string;
  kubeconfig: string;
  admin: RestClient;
  adminCert: { cert: string; key: string };
}

let etcd: EtcdService;
let dir: string;
let member: MemberCluster;
let fed: FederationControlPlane;
const targets: Target[] = [];

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function kubectl(kubeconfig: string, ...args: string[]): Promise<KubectlResult> {
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** A kubeconfig holding only a bearer token for the target. */
function tokenKubeconfig(t: Target, token: string): string {
  const p = join(dir, `token-${randomUUID()}.kubeconfig`);
  writeFileSync(p, kubeconfigFor({ name: 'tok', server: t.url, token, caCert: t.ca }));
  return p;
}

async function whoami(
  kubeconfig: string,
  ...flags: string[]
): Promise<{ user: string; groups: string[] }> {
  const r = await kubectl(kubeconfig, 'auth', 'whoami', '-o', 'json', ...flags);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const review = JSON.parse(r.stdout) as {
    status: { userInfo: { username: string; groups: string[] } };
  };
  return { user: review.status.userInfo.username, groups: review.status.userInfo.groups };
}

/** Creates an account over the admin client (kubectl's own create is covered by kubectl-typed-create). */
async function createServiceAccount(t: Target, ns: string, name: string): Promise<void> {
  await t.admin
    .resource(SERVICE_ACCOUNTS, ns)
    .create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
}

beforeAll(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-authn-'));
  const runId = randomUUID().slice(0, 8);
  member = new MemberCluster({
    name: 'authm',
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: `/test-${runId}/member`,
    nodes: 1,
    runtime: 'hollow',
    controllers: '-*',
    kubeconfigPath: join(dir, 'member.kubeconfig'),
  });
  await member.start();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: `/test-${runId}/federation`,
    controllers: '-*',
    kubeconfigPath: join(dir, 'federation.kubeconfig'),
  });
  await fed.start();
  targets.push(
    {
      name: 'member',
      url: member.url,
      ca: member.cert.cert,
      kubeconfig: join(dir, 'member.kubeconfig'),
      admin: member.client(),
      adminCert: member.adminCert,
    },
    {
      name: 'federation',
      url: fed.url,
      ca: fed.cert.cert,
      kubeconfig: join(dir, 'federation.kubeconfig'),
      admin: fed.client(),
      adminCert: fed.adminCert,
    },
  );
});

afterAll(async () => {
  // optional chaining: a failed beforeAll leaves later parts unset
  await fed?.stop();
  await member?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const BAD_TOKENS: (string | undefined)[] = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  randomBytes(16).toString('hex'),
  undefined,
];
const CM = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } };
const PATHS: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api' },
  { method: 'GET', path: '/apis' },
  { method: 'GET', path: '/api/v1/secrets' },
  { method: 'GET', path: '/api/v1/namespaces/default/configmaps' },
  { method: 'GET', path: '/apis/apps/v1/deployments' },
  { method: 'GET', path: '/openapi/v2' },
  { method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: CM },
  { method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/x' },
  { method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', body: {} },
];

describe.each([0, 1])('authentication (target %i: 0 member, 1 federation)', (ti) => {
  const t = (): Target => {
    const target = targets[ti];
    if (!target) throw new Error('targets not started');
    return target;
  };

  it('refuses prototype-named, empty, random and missing tokens on every API path', async () => {
    for (const [i, token] of BAD_TOKENS.entries()) {
      // one source address per token: 9 failures stay under the per-address limit of 10
      const localAddress = `127.0.${String(200 + i)}.${String(ti + 1)}`;
      for (const p of PATHS) {
        const r = await probe(t().url + p.path, {
          method: p.method,
          ca: t().ca,
          localAddress,
          ...(token !== undefined ? { token } : {}),
          ...(p.body !== undefined ? { body: p.body } : {}),
        });
        expect({ token, ...p, status: r.status }).toEqual({ token, ...p, status: 401 });
        expect((JSON.parse(r.body) as { reason: string }).reason).toBe('Unauthorized');
      }
    }
    // nothing was created or deleted by any of them
    const cms = await t()
      .admin.resource({ group: '', version: 'v1', resource: 'configmaps' }, 'default')
      .list();
    expect(cms.items.map((c) => c.metadata.name)).not.toContain('x');
    for (const path of ['/healthz', '/readyz', '/livez', '/version']) {
      expect((await probe(t().url + path, { ca: t().ca })).status).toBe(200);
    }
  });

  it('authenticates client certificates of its own CA only; kubectl works with them', async () => {
    expect(await whoami(t().kubeconfig)).toEqual({
      user: 'admin',
      groups: ['system:masters', 'system:authenticated'],
    });
    const r = await kubectl(t().kubeconfig, 'get', 'namespaces', '-o', 'name');
    expect(r.stdout).toContain('namespace/default');
    // same subject, signed by another CA: the TLS layer does not verify it, so nobody is admin
    const forged = CertificateAuthority.create('evil').clientCert('admin', ['system:masters']);
    const res = await probe(`${t().url}/api/v1/secrets`, { ca: t().ca, cert: forged });
    expect(res.status).toBe(401);
    const ok = await probe(`${t().url}/api/v1/secrets`, { ca: t().ca, cert: t().adminCert });
    expect(ok.status).toBe(200);
  });

  it('issues service-account tokens with kubectl create token, revoked with the account', async () => {
    const ns = 'default';
    const sa = `robot-${randomUUID().slice(0, 6)}`;
    await createServiceAccount(t(), ns, sa);
    const created = await kubectl(t().kubeconfig, 'create', 'token', sa, '-n', ns);
    expect(created.stderr).toBe('');
    const token = created.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const kc = tokenKubeconfig(t(), token);
    expect(await whoami(kc)).toEqual({
      user: `system:serviceaccount:${ns}:${sa}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    });
    // a token for another audience is not for this API
    const other = await kubectl(
      t().kubeconfig,
      'create',
      'token',
      sa,
      '-n',
      ns,
      '--audience',
      'vault',
    );
    const foreign = await probe(`${t().url}/api`, { ca: t().ca, token: other.stdout.trim() });
    expect(foreign.status).toBe(401);
    expect((await kubectl(t().kubeconfig, 'delete', 'serviceaccount', sa, '-n', ns)).code).toBe(0);
    const after = await kubectl(kc, 'auth', 'whoami');
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/Unauthorized/i);
    // an account re-created under the same name has a new uid: the old token stays dead
    await createServiceAccount(t(), ns, sa);
    expect((await probe(`${t().url}/api`, { ca: t().ca, token })).status).toBe(401);
  });

  it('authenticates bootstrap tokens until they expire', async () => {
    const secrets = t().admin.resource(SECRETS, 'kube-system');
    const make = async (id: string, secret: string, expiration: string): Promise<void> => {
      await secrets.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `bootstrap-token-${id}` },
        type: 'bootstrap.kubernetes.io/token',
        stringData: {
          'token-id': id,
          'token-secret': secret,
          expiration,
          'usage-bootstrap-authentication': 'true',
          'auth-extra-groups': 'system:bootstrappers:nodes,system:masters',
        },
      });
    };
    const id = randomBytes(3).toString('hex');
    await make(id, '0123456789abcdef', new Date(Date.now() + 3_600_000).toISOString());
    expect(await whoami(tokenKubeconfig(t(), `${id}.0123456789abcdef`))).toEqual({
      user: `system:bootstrap:${id}`,
      // auth-extra-groups outside system:bootstrappers: (system:masters) are ignored
      groups: ['system:bootstrappers', 'system:bootstrappers:nodes', 'system:authenticated'],
    });
    const wrong = await probe(`${t().url}/api`, { ca: t().ca, token: `${id}.0123456789abcdee` });
    expect(wrong.status).toBe(401);
    const old = randomBytes(3).toString('hex');
    await make(old, 'fedcba9876543210', new Date(Date.now() - 1000).toISOString());
    const expired = await probe(`${t().url}/api`, { ca: t().ca, token: `${old}.fedcba9876543210` });
    expect(expired.status).toBe(401);
  });

  it('honours --as only for users allowed to impersonate', async () => {
    expect(await whoami(t().kubeconfig, '--as', 'alice', '--as-group', 'devs')).toEqual({
      user: 'alice',
      groups: ['devs', 'system:authenticated'],
    });
    const sa = `imp-${randomUUID().slice(0, 6)}`;
    await createServiceAccount(t(), 'default', sa);
    const token = (
      await kubectl(t().kubeconfig, 'create', 'token', sa, '-n', 'default')
    ).stdout.trim();
    const r = await kubectl(tokenKubeconfig(t(), token), 'get', 'configmaps', '--as', 'admin');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/forbidden.*cannot impersonate resource "users"/i);
    const raw = await probe(`${t().url}/api`, {
      ca: t().ca,
      token,
      headers: { 'Impersonate-User': 'admin' },
    });
    expect(raw.status).toBe(403);
    const g = await kubectl(
      tokenKubeconfig(t(), token),
      'get',
      'cm',
      '--as',
      'x',
      '--as-group',
      'system:masters',
    );
    expect(g.stderr).toMatch(/forbidden/i);
  });

  it('answers 429 with Retry-After after 10 failed logins from one address', async () => {
    const localAddress = `127.0.250.${String(ti + 1)}`;
    for (let i = 0; i < 10; i++) {
      const r = await probe(`${t().url}/api`, {
        ca: t().ca,
        localAddress,
        token: `guess-${String(i)}`,
      });
      expect(r.status).toBe(401);
    }
    const limited = await probe(`${t().url}/api`, { ca: t().ca, localAddress, token: 'guess-10' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // a verified client certificate is not a guess: it still gets through from that address
    const cert = await probe(`${t().url}/api`, { ca: t().ca, localAddress, cert: t().adminCert });
    expect(cert.status).toBe(200);
    // other addresses are not affected
    expect((await probe(`${t().url}/api`, { ca: t().ca, token: 'guess' })).status).toBe(401);
  });
});

describe('join with a client-certificate member kubeconfig', () => {
  it('stores the certificate and the federation reaches the member with it', async () => {
    const out: string[] = [];
    const code = await runCli(
      [
        '--kubeconfig',
        join(dir, 'federation.kubeconfig'),
        'join',
        'authm',
        '--member-kubeconfig',
        join(dir, 'member.kubeconfig'),
      ],
      { stdout: (s) => out.push(s), stderr: (s) => out.push(s), env: process.env },
    );
    expect(out.join('')).toContain('answers');
    expect(code).toBe(0);
    const admin = targets[1]?.admin;
    if (!admin) throw new Error('federation not started');
    const cluster = (await admin.resource(CLUSTERS).get('authm')) as unknown as {
      spec: { secretRef: { namespace: string; name: string } };
    };
    const ref = cluster.spec.secretRef;
    const secret = (await admin.resource(SECRETS, ref.namespace).get(ref.name)) as unknown as {
      data: Record<string, string>;
    };
    expect(secret.data.token).toBeUndefined();
    const c = new RestClient({
      server: member.url,
      certData: secret.data.clientCertData ?? '',
      keyData: secret.data.clientKeyData ?? '',
      caData: secret.data.caData ?? '',
    });
    try {
      expect((await c.resource(NAMESPACES).list()).items.length).toBeGreaterThan(0);
    } finally {
      c.close();
    }
  });
});
