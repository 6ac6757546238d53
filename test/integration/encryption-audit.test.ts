// Encryption at rest, key rotation, audit log and etcd client TLS against a real etcd (serving
// client TLS with client-certificate auth) and the real kubectl: a Secret's value is found
// nowhere in etcd's data folder, reads return it, rewriting every Secret after putting a new key
// first re-encrypts them with it; the audit log records who did what, and never a Secret's data.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { FileAuditSink, type AuditEvent } from '../../machinery/apiserver/audit-log.js';
import { parseAuditPolicy } from '../../machinery/apiserver/audit-policy.js';
import { loadEncryptionConfig } from '../../machinery/storage/encryption-config.js';
import { configMapType, secretType } from '../../api/resource-types.js';
import { encryptionConfigYaml } from '../../hack/lib/data-protection-files.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { startTlsApiFixture, type TlsApiFixture } from '../support/tls-api-fixture.js';

const run = promisify(execFile);
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const PLAIN = `s3cr3t-${randomBytes(12).toString('hex')}`;
const PLAIN_B64 = Buffer.from(PLAIN).toString('base64');
const key1 = { name: 'key1', secret: randomBytes(32).toString('base64') };
const key2 = { name: 'key2', secret: randomBytes(32).toString('base64') };
let etcd: EtcdService;
let dir: string;
let f: TlsApiFixture;
let auditLog: string;

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const p = join(path, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function rawValue(fixture: TlsApiFixture, name: string): Promise<Buffer> {
  const v = await fixture.storage.client
    .get(`${fixture.prefix}/registry/secrets/default/${name}`)
    .buffer();
  if (!v) throw new Error(`secret ${name} not in etcd`);
  return v;
}

function fixtureFor(keys: (typeof key1)[], prefix?: string): Promise<TlsApiFixture> {
  const config = join(dir, `encryption-${keys.map((k) => k.name).join('-')}.yaml`);
  writeFileSync(config, encryptionConfigYaml(keys));
  return startTlsApiFixture({
    etcd,
    resources: [secretType, configMapType],
    ...(prefix !== undefined ? { prefix } : {}),
    storage: { transformer: loadEncryptionConfig(config) },
    server: {
      audit: {
        // a catch-all RequestResponse rule: Secrets must still be logged at Metadata only
        policy: parseAuditPolicy(
          'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n',
        ),
        sink: new FileAuditSink(auditLog),
      },
    },
  });
}

async function auditEvents(): Promise<AuditEvent[]> {
  await new Promise((r) => setTimeout(r, 300)); // the sink appends asynchronously
  return readFileSync(auditLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent);
}

/** POST with the raw response headers (for Audit-Id). */
function post(path: string, body: unknown): Promise<{ status: number; auditId: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(f.url + path), {
      method: 'POST',
      ca: f.caCert,
      headers: { Authorization: `Bearer ${f.tokens.alice}`, 'Content-Type': 'application/json' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, auditId: String(res.headers['audit-id'] ?? '') });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

beforeAll(async () => {
  etcd = await startEtcd({ tls: true });
  dir = mkdtempSync(join(tmpdir(), 'flotilla-encryption-'));
  auditLog = join(dir, 'audit', 'apiserver.log');
  f = await fixtureFor([key1]);
});
afterAll(async () => {
  await f.stop();
  await etcd.stop();
});

describe('etcd client TLS', () => {
  it('etcd serves HTTPS and refuses clients without a certificate of its CA', async () => {
    expect(etcd.endpoint).toMatch(/^https:/);
    const ca = etcd.tls?.ca ?? '';
    const withoutCert = new Promise<string>((resolve) => {
      const req = httpsRequest(`${etcd.endpoint}/health`, { ca }, (res) => {
        res.resume();
        resolve(`HTTP ${String(res.statusCode)}`);
      });
      req.on('error', (err) => {
        resolve(err.message);
      });
      req.end();
    });
    expect(await withoutCert).not.toMatch(/^HTTP 200/);
  });
});

describe('encryption at rest', () => {
  it('stores Secrets encrypted; reads return the value', async () => {
    await f.alice.resource(SECRETS, 'default').create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      data: { password: PLAIN_B64 },
    });
    const got = await f.alice
      .resource<KubeObject & { data: Record<string, string> }>(SECRETS, 'default')
      .get('db');
    expect(got.data.password).toBe(PLAIN_B64);
    expect((await rawValue(f, 'db')).subarray(0, 23).toString()).toBe('k8s:enc:aesgcm:v1:key1:');
    // nothing readable anywhere in etcd's files (WAL, snapshots, bbolt db)
    for (const file of filesUnder(etcd.dataDir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(PLAIN), file).toBe(false);
      expect(bytes.includes(PLAIN_B64), file).toBe(false);
    }
  });

  it('rotation: with a new key first, kubectl replace of every Secret re-encrypts them', async () => {
    const rotated = await fixtureFor([key2, key1], f.prefix);
    try {
      const kc = rotated.kubeconfigPath;
      const { stdout } = await run(
        'bash',
        [
          '-c',
          `kubectl --kubeconfig ${kc} get secrets -A -o json | kubectl --kubeconfig ${kc} replace -f -`,
        ],
        { timeout: 30_000 },
      );
      expect(stdout).toContain('secret/db replaced');
      expect((await rawValue(rotated, 'db')).subarray(0, 23).toString()).toBe(
        'k8s:enc:aesgcm:v1:key2:',
      );
      const got = await rotated.alice
        .resource<KubeObject & { data: Record<string, string> }>(SECRETS, 'default')
        .get('db');
      expect(got.data.password).toBe(PLAIN_B64);
    } finally {
      await rotated.stop();
    }
  });
});

describe('audit log', () => {
  it('records user, verb, objectRef and code, with the Audit-Id the client saw', async () => {
    const res = await post('/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'audited' },
    });
    expect(res.status).toBe(201);
    expect(res.auditId).toMatch(/^[0-9a-f-]{36}$/);
    const ev = (await auditEvents()).find((e) => e.auditID === res.auditId);
    expect(ev).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      stage: 'ResponseComplete',
      verb: 'create',
      user: { username: 'alice' },
      objectRef: { resource: 'configmaps', namespace: 'default', name: 'audited' },
      responseStatus: { code: 201 },
    });
    expect(ev?.sourceIPs).toEqual(['127.0.0.1']);
    expect(ev?.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT[\d:]+\.\d{6}Z$/);
  });

  it('never logs a Secret above Metadata, even under a RequestResponse policy', async () => {
    const events = await auditEvents();
    const secretEvents = events.filter((e) => e.objectRef?.resource === 'secrets');
    expect(secretEvents.some((e) => e.verb === 'create' && e.user.username === 'alice')).toBe(true);
    for (const e of secretEvents) expect(e.level).toBe('Metadata');
    const text = readFileSync(auditLog, 'utf8');
    expect(text.includes(PLAIN_B64)).toBe(false);
    expect(text.includes(PLAIN)).toBe(false);
  });
});
