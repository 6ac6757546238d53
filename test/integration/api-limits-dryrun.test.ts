// Dry run, request limits and the etcd circuit breaker against a real etcd and the real kubectl:
// kubectl apply/diff/delete --dry-run=server change nothing; an object too large for etcd is a
// 422 before it reaches etcd while another user's requests all succeed; a 4 MB body is a 413;
// the in-flight limits answer 429 with Retry-After; failing oversized etcd writes never open the
// client's circuit breaker for everyone.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { ApiError } from '../../machinery/errors/index.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { sampleResources } from '../support/sample-resources.js';
import { startTlsApiFixture, type TlsApiFixture } from '../support/tls-api-fixture.js';

const run = promisify(execFile);
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
let etcd: EtcdService;
let f: TlsApiFixture;
let dir: string;

async function kubectl(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('kubectl', ['--kubeconfig', f.kubeconfigPath, ...args], {
      timeout: 30_000,
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function deployment(replicas: number, image: string): string {
  const p = join(dir, `web-${String(replicas)}-${image.replace(/\W/g, '_')}.yaml`);
  writeFileSync(
    p,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: ${String(replicas)}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: '${image}'}]}
`,
  );
  return p;
}

/** Sends `size` bytes to `path`, declared (Content-Length) or chunked; resolves status + body. */
function sendBody(
  path: string,
  size: number,
  chunked: boolean,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(f.url + path);
    const req = httpsRequest(url, {
      method: 'POST',
      ca: f.caCert,
      headers: {
        Authorization: `Bearer ${f.tokens.alice}`,
        'Content-Type': 'application/json',
        ...(chunked ? {} : { 'Content-Length': String(size) }),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    // the server may close the connection while we still write: the answer is what counts
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const write = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  etcd = await startEtcd();
  f = await startTlsApiFixture({ etcd, resources: sampleResources });
  dir = mkdtempSync(join(tmpdir(), 'flotilla-dryrun-'));
});
afterAll(async () => {
  await f.stop();
  await etcd.stop();
});

describe('dryRun=All', () => {
  it('kubectl apply/diff/create/delete --dry-run=server store nothing', async () => {
    expect((await kubectl('apply', '-f', deployment(2, 'busybox:1'))).code).toBe(0);
    const before = await f.alice.resource(DEPLOYMENTS, 'default').get('web');
    const rv = before.metadata.resourceVersion;

    const applied = await kubectl('apply', '--dry-run=server', '-f', deployment(5, 'busybox:2'));
    expect(applied.out).toContain('deployment.apps/web configured (server dry run)');
    const diff = await kubectl('diff', '-f', deployment(5, 'busybox:2'));
    expect(diff.code).toBe(1); // 1 = differences found
    expect(diff.out).toMatch(/-\s+replicas: 2/);
    expect(diff.out).toMatch(/\+\s+replicas: 5/);
    const scaled = await kubectl('scale', 'deployment/web', '--replicas=7', '--dry-run=server');
    expect(scaled.code).toBe(0);
    const deleted = await kubectl('delete', 'deployment', 'web', '--dry-run=server');
    expect(deleted.out).toContain('deployment.apps "web" deleted (server dry run)');
    const cm = join(dir, 'cm.yaml');
    writeFileSync(
      cm,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry, namespace: default}\n',
    );
    const created = await kubectl('create', '-f', cm, '--dry-run=server');
    expect(created.out).toContain('configmap/dry created (server dry run)');

    const after = await f.alice
      .resource<KubeObject & { spec: { replicas: number } }>(DEPLOYMENTS, 'default')
      .get('web');
    expect(after.metadata.resourceVersion).toBe(rv);
    expect(after.spec.replicas).toBe(2);
    await expect(f.alice.resource(CONFIGMAPS, 'default').get('dry')).rejects.toMatchObject({
      code: 404,
    });
  });

  it('still validates, and refuses other dryRun values with 400', async () => {
    const bad = await f.alice.raw('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'Not_Valid' },
    });
    expect(bad.status).toBe(422);
    const other = await f.alice.raw('POST', '/api/v1/namespaces/default/configmaps?dryRun=Yes', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
    expect(other.status).toBe(400);
    expect(other.body).toContain('dryRun');
  });
});

describe('request limits', () => {
  it('an object too large for etcd is 422 while another user keeps being served', async () => {
    // 1.5 MiB of data: etcd's default --max-request-bytes, so etcd itself would refuse it
    const big = 'x'.repeat(1.5 * 1024 * 1024);
    const huge = (i: number): Promise<number> =>
      f.alice
        .raw('POST', '/api/v1/namespaces/default/configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `big-${String(i)}` },
          data: { blob: big },
        })
        .then((r) => {
          expect(r.body.slice(0, 300)).toMatch(/too large/);
          return r.status;
        });
    const small = (i: number): Promise<number> =>
      f.bob
        .resource(CONFIGMAPS, 'default')
        .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `small-${String(i)}` } })
        .then(() => 201)
        .catch((err: unknown) => (err instanceof ApiError ? err.code : 599));
    const results = await Promise.all([
      ...[1, 2, 3, 4].map(huge),
      ...Array.from({ length: 30 }, (_, i) => small(i)),
    ]);
    for (const code of results.slice(0, 4)) expect([413, 422]).toContain(code);
    expect(results.slice(4)).toEqual(Array.from({ length: 30 }, () => 201));
    // and right after: no breaker has opened
    await f.bob.resource(CONFIGMAPS, 'default').get('small-0');
  });

  it('a 4 MB body is 413 with a Status, declared or chunked', async () => {
    for (const chunked of [false, true]) {
      const res = await sendBody('/api/v1/namespaces/default/configmaps', 4 * 1024 * 1024, chunked);
      expect(res.status).toBe(413);
      const status = JSON.parse(res.body) as { kind: string; reason: string; message: string };
      expect(status.kind).toBe('Status');
      expect(status.reason).toBe('RequestEntityTooLarge');
    }
  });

  it('failing oversized etcd writes do not open the circuit breaker for other requests', async () => {
    // no size check in front: etcd itself refuses these
    const raw = new EtcdStorage({
      endpoints: [etcd.endpoint],
      prefix: `/breaker-${randomUUID()}`,
      maxObjectBytes: 64 * 1024 * 1024,
    });
    try {
      const obj = (name: string, size: number): KubeObject => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name },
        data: { blob: 'y'.repeat(size) },
      });
      for (let i = 0; i < 4; i++) {
        await expect(raw.create(`/big-${String(i)}`, obj('big', 2_500_000))).rejects.toThrow();
      }
      await expect(raw.create('/fine', obj('fine', 10))).resolves.toBeDefined();
    } finally {
      await raw.close();
    }
  });

  it('answers 429 with Retry-After beyond the in-flight limits; watches do not count', async () => {
    const limited = await startTlsApiFixture({
      etcd,
      resources: sampleResources,
      server: { limits: { maxMutatingRequestsInFlight: 2, maxRequestsInFlight: 2 } },
    });
    const token = limited.tokens.alice;
    const stalled = [1, 2].map(() => {
      // headers sent, body never finished: the request stays in flight
      const req = httpsRequest(new URL(`${limited.url}/api/v1/namespaces/default/configmaps`), {
        method: 'POST',
        ca: limited.caCert,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Content-Length': '1000',
        },
      });
      req.on('error', () => undefined);
      req.write('{');
      return req;
    });
    const watches = [1, 2, 3].map(() =>
      limited.alice.raw('GET', '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=3'),
    );
    try {
      await new Promise((r) => setTimeout(r, 500));
      const refused = await limited.alice.raw('POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'refused' },
      });
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toMatchObject({ kind: 'Status', reason: 'TooManyRequests' });
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const r = httpsRequest(new URL(`${limited.url}/api/v1/namespaces/default/configmaps`), {
          method: 'POST',
          ca: limited.caCert,
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        });
        r.on('response', (res) => {
          res.resume();
          resolve(res.headers);
        });
        r.on('error', reject);
        r.end('{}');
      });
      expect(headers['retry-after']).toBe('1');
      // read-only requests have their own pool, and the three open watches are not in it
      expect((await limited.alice.raw('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(
        200,
      );
    } finally {
      for (const r of stalled) r.destroy();
      await Promise.allSettled(watches);
      await limited.stop();
    }
  });
});
