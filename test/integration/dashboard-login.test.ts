// The dashboard's server side against a real federation (etcd, RBAC, TLS): browser files served
// without credentials under a strict CSP and never outside the web root; one-time login codes made
// for the caller only, redeemed once (also across two API server replicas on one etcd), expiring;
// session tokens authenticating with the user's own RBAC; `flotilla dashboard`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../dashboard/index.js';
import {
  runFederationApiServer,
  type FederationApiServer,
} from '../../federation/apiserver/federation-apiserver.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { bindClusterRole, waitForAccess } from '../../hack/lib/rbac-bindings.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { flotilla } from '../support/cli-runner.js';
import { probe, type ProbeOptions, type ProbeResult } from '../support/https-probe.js';

const CLUSTERS = '/apis/cluster.flotilla.io/v1alpha1/clusters';
const SECRETS = '/api/v1/namespaces/default/secrets';
const bobToken = randomBytes(16).toString('hex');
const aliceToken = randomBytes(16).toString('hex');
let etcd: EtcdService;
let fed: FederationControlPlane;
let replica: FederationApiServer;
let dir: string;
let web: string;

/** A request to the federation (or `base`) trusting its CA. */
function req(path: string, o: Omit<ProbeOptions, 'ca'> = {}, base = fed.url): Promise<ProbeResult> {
  return probe(base + path, { ca: fed.cert.cert, ...o });
}

/** GET with the path sent as written: URL parsing would resolve `..` before it leaves. */
function rawGet(path: string): Promise<ProbeResult> {
  const u = new URL(fed.url);
  return new Promise((resolve, reject) => {
    const r = request(
      { host: u.hostname, port: u.port, path, ca: fed.cert.cert, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    r.on('error', reject);
    r.end();
  });
}

const json = (r: ProbeResult): Record<string, unknown> =>
  JSON.parse(r.body) as Record<string, unknown>;

/** A fresh code for the holder of `token` (or of the admin certificate). */
async function newCode(token?: string, body: unknown = {}): Promise<string> {
  const r = await req('/dashboard/api/login-codes', {
    method: 'POST',
    body,
    ...(token !== undefined ? { token } : { cert: fed.adminCert }),
  });
  expect(r.status, r.body).toBe(201);
  return String(json(r).code);
}

function login(code: string, localAddress?: string, base?: string): Promise<ProbeResult> {
  return req(
    '/dashboard/api/login',
    { method: 'POST', body: { code }, ...(localAddress ? { localAddress } : {}) },
    base,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-dashboard-'));
  web = join(dir, 'web');
  mkdirSync(join(web, 'img'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>Flotilla</title>');
  writeFileSync(join(web, 'app.js'), 'export const x = 1;\n');
  writeFileSync(join(web, 'img', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(web, '.hidden'), 'HIDDEN-CONTENT');
  writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET');
  writeFileSync(
    join(dir, 'audit-policy.yaml'),
    'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n',
  );
  etcd = await startEtcd();
  const prefix = `/dashboard-test-${String(process.pid)}`;
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: prefix,
    users: { [bobToken]: 'bob', [aliceToken]: 'alice' },
    controllers: '-*',
    dashboard: { webRoot: web },
    // a catch-all RequestResponse audit policy: the secrets must still never reach the log
    auditPolicyFile: join(dir, 'audit-policy.yaml'),
    auditLogPath: join(dir, 'audit.log'),
  });
  await fed.start();
  // a second API server of the same federation (same etcd prefix and PKI): `--api-servers 2`
  replica = await runFederationApiServer({
    etcdEndpoints: [etcd.endpoint],
    etcdPrefix: prefix,
    authentication: fed.auth,
    servingCert: fed.cert,
    dashboard: { webRoot: web },
  });
  const admin = fed.client();
  await bindClusterRole(admin, 'federation-operator', ['bob']);
  await waitForAccess(admin, 'bob', {
    verbs: ['list'],
    apiGroups: ['cluster.flotilla.io'],
    resources: ['clusters'],
  });
}, 60_000);

afterAll(async () => {
  await replica?.stop();
  await fed?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard files', () => {
  it('serves index.html and modules without credentials, with the security headers', async () => {
    const r = await req('/dashboard/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Flotilla</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    );
    expect(r.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-cache');
    const js = await req('/dashboard/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const svg = await req('/dashboard/img/logo.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
  });

  it('redirects /dashboard to /dashboard/', async () => {
    const r = await req('/dashboard');
    expect([301, 302]).toContain(r.status);
    expect(r.headers.location).toBe('/dashboard/');
  });

  it('never serves anything outside the web root, nor hidden files', async () => {
    for (const path of [
      '/dashboard/../secret.txt',
      '/dashboard/%2e%2e/secret.txt',
      '/dashboard/..%2fsecret.txt',
      '/dashboard/img/..%2f..%2fsecret.txt',
      '/dashboard/.hidden',
      '/dashboard/%2fetc%2fpasswd',
    ]) {
      const r = await rawGet(path);
      expect([400, 404], path).toContain(r.status);
      expect(json(r).kind, path).toBe('Status');
      expect(r.body).not.toContain('TOP-SECRET');
      expect(r.body).not.toContain('HIDDEN-CONTENT');
    }
    expect((await req('/dashboard/missing.js')).status).toBe(404);
  });

  it('serves the repository dashboard/web/index.html by default', async () => {
    const r = await req('/dashboard/', {}, replica.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toBe(DASHBOARD_CSP);
  });
});

describe('dashboard login', () => {
  it('refuses to make a code without credentials', async () => {
    const r = await req('/dashboard/api/login-codes', { method: 'POST', body: {} });
    expect(r.status).toBe(401);
    expect(json(r).kind).toBe('Status');
  });

  it('logs in once with a code; the session has exactly the user’s RBAC', async () => {
    const made = await req('/dashboard/api/login-codes', {
      method: 'POST',
      token: bobToken,
      // identity in the body is ignored
      body: { user: 'admin', groups: ['system:masters'] },
    });
    expect(made.status, made.body).toBe(201);
    const { code = '', url, expiresAt = '' } = json(made) as Partial<Record<string, string>>;
    expect(url).toBe(`${fed.url}/dashboard/#code=${code}`);
    const ttl = Date.parse(expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000);

    const r = await login(code);
    expect(r.status, r.body).toBe(200);
    const s = json(r);
    expect(s.user).toBe('bob');
    expect(s.groups).toEqual(['system:authenticated']);
    const left = Date.parse(String(s.expiresAt)) - Date.now();
    expect(left).toBeGreaterThan(7.9 * 3600_000);
    expect(left).toBeLessThanOrEqual(8 * 3600_000);
    const token = String(s.token);
    expect(token).not.toBe(code);

    expect((await req(CLUSTERS, { token })).status).toBe(200);
    const forbidden = await req(SECRETS, { token });
    expect(forbidden.status).toBe(403);
    expect((await req(SECRETS, { token: bobToken })).status).toBe(403);
    expect(json(forbidden).message).toContain('User "bob" cannot list resource "secrets"');
    // the other replica accepts the session too (it lives in etcd)
    expect((await req(CLUSTERS, { token }, replica.url)).status).toBe(200);

    const again = await login(code, '127.0.0.2');
    expect(again.status).toBe(401);
    expect(json(again)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
  });

  it('a code made by alice logs in as alice, never as anyone else', async () => {
    const code = await newCode(aliceToken);
    const r = await login(code);
    expect(json(r)).toMatchObject({ user: 'alice', groups: ['system:authenticated'] });
    const review = await req('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      token: String(json(r).token),
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status, review.body).toBe(201);
    expect(JSON.parse(review.body)).toMatchObject({
      status: { userInfo: { username: 'alice' } },
    });
    expect((await req(CLUSTERS, { token: String(json(r).token) })).status).toBe(403);
  });

  it('an admin code carries system:masters; impersonation is honoured only when allowed', async () => {
    const admin = json(await login(await newCode()));
    expect(admin.user).toBe('admin');
    expect(admin.groups).toContain('system:masters');
    expect((await req(SECRETS, { token: String(admin.token) })).status).toBe(200);

    const asAlice = await req('/dashboard/api/login-codes', {
      method: 'POST',
      cert: fed.adminCert,
      headers: { 'Impersonate-User': 'alice' },
      body: {},
    });
    expect(asAlice.status).toBe(201);
    expect(json(await login(String(json(asAlice).code))).user).toBe('alice');

    const bobAsAdmin = await req('/dashboard/api/login-codes', {
      method: 'POST',
      token: bobToken,
      headers: { 'Impersonate-User': 'admin' },
      body: {},
    });
    expect(bobAsAdmin.status).toBe(403);
  });

  it('refuses an expired code', async () => {
    const code = await newCode(bobToken, { ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1_500));
    const r = await login(code, '127.0.0.3');
    expect(r.status).toBe(401);
    expect(json(r).kind).toBe('Status');
  });

  it('refuses bad code lifetimes and bodies with 400', async () => {
    for (const body of [{ ttlSeconds: 0 }, { ttlSeconds: 7200 }, { ttlSeconds: 'x' }]) {
      const r = await req('/dashboard/api/login-codes', { method: 'POST', token: bobToken, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const r = await req('/dashboard/api/login', { method: 'POST', body: { nope: 1 } });
    expect(r.status).toBe(400);
  });

  it('a code works exactly once across two API server replicas', async () => {
    const code = await newCode(bobToken);
    const results = await Promise.all([
      login(code, '127.0.0.4'),
      login(code, '127.0.0.4', replica.url),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect((await login(code, '127.0.0.4', replica.url)).status).toBe(401);
  });

  it('a session cannot make codes, and ends with logout', async () => {
    const token = String(json(await login(await newCode(bobToken))).token);
    const r = await req('/dashboard/api/login-codes', { method: 'POST', token, body: {} });
    expect(r.status).toBe(403);
    const out = await req('/dashboard/api/logout', { method: 'POST', token });
    expect(out.status).toBe(200);
    const after = await req(CLUSTERS, { token, localAddress: '127.0.0.5' });
    expect(after.status).toBe(401);
  });

  it('failed logins count against the login rate limiter (429 with Retry-After)', async () => {
    const addr = '127.0.0.66';
    for (let i = 0; i < 10; i++) {
      expect((await login(randomBytes(32).toString('base64url'), addr)).status).toBe(401);
    }
    const limited = await login(await newCode(bobToken), addr);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('dashboard audit', () => {
  it('logs logins and session requests as the user, never a code or a token', async () => {
    const code = await newCode(bobToken);
    const token = String(json(await login(code)).token);
    const marker = `/apis/cluster.flotilla.io/v1alpha1/clusters?labelSelector=audit-${String(Date.now())}`;
    expect((await req(marker, { token })).status).toBe(200);
    let log = '';
    for (let i = 0; i < 50 && !log.includes(marker.split('=')[1] ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = readFileSync(join(dir, 'audit.log'), 'utf8');
    }
    const events = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { requestURI: string; user: { username: string } });
    expect(events.find((e) => e.requestURI === marker)?.user.username).toBe('bob');
    expect(events.some((e) => e.requestURI === '/dashboard/api/login')).toBe(true);
    expect(events.some((e) => e.requestURI === '/dashboard/api/login-codes')).toBe(true);
    expect(log).not.toContain(code);
    expect(log).not.toContain(token.slice('flotilla-dashboard.'.length));
  });
});

describe('flotilla dashboard', () => {
  it('prints a one-time URL for the kubeconfig user', async () => {
    const kc = join(dir, 'bob.kubeconfig');
    writeFileSync(
      kc,
      kubeconfigFor({
        name: 'federation',
        server: fed.url,
        token: bobToken,
        caCert: fed.cert.cert,
      }),
    );
    const r = await flotilla(kc, 'dashboard', '--ttl', '2m');
    expect(r.code, r.stderr).toBe(0);
    const m = /^(https:\/\/127\.0\.0\.1:\d+)\/dashboard\/#code=([A-Za-z0-9_-]{43})\n$/.exec(
      r.stdout,
    );
    expect(m?.[1]).toBe(fed.url);
    expect(r.stderr).toMatch(/one-time login/i);
    expect(json(await login(m?.[2] ?? '')).user).toBe('bob');

    const bad = await flotilla(kc, 'dashboard', '--ttl', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ttl');

    const anon = join(dir, 'anon.kubeconfig');
    writeFileSync(
      anon,
      kubeconfigFor({ name: 'federation', server: fed.url, caCert: fed.cert.cert }),
    );
    const refused = await flotilla(anon, 'dashboard');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });
});
