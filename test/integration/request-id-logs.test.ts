// The request id from an API request to a controller's log lines, on a real API server and etcd:
// the storage keeps the writing request's Audit-Id inside the stored JSON ($requestId), the JSON
// watch event carries it (requestId), the informer and the workqueue hand it to the reconcile, and
// the controller's lines for that key carry it. $requestId never reaches an API response (GET,
// LIST, WATCH, dry-run, audit bodies); kubectl get -w still works. Also: a built binary writes
// JSON lines, and -v 4 gives its per-request debug lines.
import { spawn } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../machinery/apiserver/index.js';
import { loadOrCreatePki } from '../../machinery/apiserver/cluster-pki.js';
import type { AuditEvent } from '../../machinery/apiserver/audit-log.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { Controller } from '../../machinery/controller/controller.js';
import { SharedInformer } from '../../machinery/informer/shared-informer.js';
import { createLogger, type Logger } from '../../machinery/log/logger.js';
import type { KubeObject } from '../../machinery/meta.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { freePort } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { APISERVER_JS, BinaryProcess, ensureBuilt } from '../support/federation-processes.js';
import { sampleResources } from '../support/sample-resources.js';

const NS = 'default';
const CM = { group: '', version: 'v1', resource: 'configmaps' };
const BASE = `/api/v1/namespaces/${NS}/configmaps`;

let etcd: EtcdService;
let storage: EtcdStorage;
let server: ApiServer;
let url: string;
let client: RestClient;
let dir: string;
let kubeconfigPath: string;
const prefix = `/test-${randomUUID()}`;
const abort = new AbortController();
let running: Promise<unknown>;
/** Every line the server and the controller logged, parsed. */
const lines: Record<string, unknown>[] = [];
const audit: AuditEvent[] = [];

function memoryLogger(component: string): Logger {
  return createLogger({
    component,
    level: 'debug',
    destination: {
      write: (s: string) => {
        for (const l of s.split('\n')) if (l !== '') lines.push(JSON.parse(l) as never);
      },
    },
  });
}

async function until<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; lines:\n${JSON.stringify(lines, null, 1)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function send(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; auditId: string; text: string }> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': contentType },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, auditId: res.headers.get('audit-id') ?? '', text: await res.text() };
}

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data };
}

/** The controller's lines for `key`. */
const reconcileLines = (key: string): Record<string, unknown>[] =>
  lines.filter((l) => l.component === 'test-controller' && l.key === key);

beforeAll(async () => {
  etcd = await startEtcd();
  storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix });
  server = new ApiServer({
    storage,
    resources: sampleResources,
    logger: memoryLogger('test-apiserver'),
    audit: {
      policy: { rules: [{ level: 'RequestResponse' }] },
      sink: {
        write: (e) => audit.push(e),
        close: () => Promise.resolve(),
      },
    },
  });
  url = await server.listen(0);
  dir = mkdtempSync(join(tmpdir(), 'flotilla-request-id-'));
  kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigFor({ name: 'test', server: url }));
  client = new RestClient({ server: url });
  // a simple controller: informer → workqueue → reconcile, which logs one line per key
  const log = memoryLogger('test-controller');
  const informer = new SharedInformer({ client: client.resource(CM, NS) });
  const controller = new Controller({
    name: 'test-controller',
    informers: [informer],
    logger: log,
    reconcile: (key) => {
      log.info('reconciling', { data: informer.get(key)?.data });
      return Promise.resolve();
    },
  });
  informer.addEventHandler({
    onAdd: controller.enqueueObject,
    onUpdate: (_old, obj) => {
      controller.enqueueObject(obj);
    },
  });
  running = Promise.all([informer.run(abort.signal), controller.run(abort.signal)]);
  await informer.waitForSync();
});

afterAll(async () => {
  abort.abort();
  await running;
  client.close();
  await server.close();
  await storage.close();
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('request id from API request to controller logs', () => {
  it('the controller logs the Audit-Id of the create, then of the latest update', async () => {
    const created = await send('POST', BASE, configMap('one', { v: '1' }));
    expect(created.status).toBe(201);
    expect(created.auditId).toMatch(/^[0-9a-f-]{36}$/);
    const line = await until('the reconcile line of the create', () =>
      reconcileLines(`${NS}/one`).find(
        (l) => l.msg === 'reconciling' && l.requestId === created.auditId,
      ),
    );
    expect(line).toMatchObject({ controller: 'test-controller', level: 'info' });
    // the runtime's own per-reconcile debug line carries it too
    await until('the reconciled line', () =>
      reconcileLines(`${NS}/one`).find(
        (l) => l.msg === 'reconciled' && l.requestId === created.auditId,
      ),
    );

    const patched = await send(
      'PATCH',
      `${BASE}/one`,
      { data: { v: '2' } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);
    expect(patched.auditId).not.toBe(created.auditId);
    await until('the reconcile line of the patch', () =>
      reconcileLines(`${NS}/one`).find(
        (l) =>
          l.requestId === patched.auditId &&
          (l.data as Record<string, string> | undefined)?.v === '2',
      ),
    );
  });

  it('a client-given Audit-Id is followed the same way', async () => {
    const id = `trace-${randomUUID()}`;
    const res = await fetch(`${url}${BASE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'audit-id': id },
      body: JSON.stringify(configMap('two', { v: '1' })),
    });
    expect(res.headers.get('audit-id')).toBe(id);
    await until('the reconcile line', () =>
      reconcileLines(`${NS}/two`).find((l) => l.requestId === id),
    );
  });

  it('logs one debug line per API request with its fields', async () => {
    const created = await send('POST', BASE, configMap('three', {}));
    const line = await until('the request line', () =>
      lines.find((l) => l.msg === 'request' && l.requestId === created.auditId),
    );
    expect(line).toMatchObject({
      component: 'test-apiserver',
      level: 'debug',
      verb: 'create',
      resource: 'configmaps',
      namespace: NS,
      name: 'three',
      code: 201,
      user: 'system:anonymous',
    });
    expect(typeof line.latencyMs).toBe('number');
    const missing = await send('GET', `${BASE}/nope`);
    const notFound = await until('the 404 line', () =>
      lines.find((l) => l.requestId === missing.auditId),
    );
    expect(notFound).toMatchObject({ verb: 'get', code: 404, name: 'nope' });
  });

  it('stores the id hidden in etcd and never returns $requestId', async () => {
    const created = await send('POST', BASE, configMap('four', { k: 'v' }));
    expect(created.text).not.toContain('$requestId');
    // in etcd: the field is there, with the request's id
    const raw = await storage.client.get(`${prefix}/registry/configmaps/${NS}/four`).string();
    expect(raw).not.toBeNull();
    expect((JSON.parse(raw ?? '{}') as Record<string, unknown>).$requestId).toBe(created.auditId);
    // read back: decode strips it and remembers it
    const obj = await storage.get(`/registry/configmaps/${NS}/four`);
    expect(obj).toBeDefined();
    expect(JSON.stringify(obj)).not.toContain('requestId');
    expect(storage.requestIdOf(obj as KubeObject)).toBe(created.auditId);

    for (const path of [`${BASE}/four`, BASE, '/api/v1/configmaps']) {
      const r = await send('GET', path);
      expect(r.status).toBe(200);
      expect(r.text).toContain('"four"');
      expect(r.text).not.toContain('$requestId');
    }
    const table = await fetch(`${url}${BASE}`, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    expect(await table.text()).not.toContain('$requestId');
    const dry = await send('POST', `${BASE}?dryRun=All`, configMap('five', {}));
    expect(dry.status).toBe(201);
    expect(dry.text).not.toContain('$requestId');
    const updated = await send('PUT', `${BASE}/four`, {
      ...(JSON.parse((await send('GET', `${BASE}/four`)).text) as KubeObject),
      data: { k: 'w' },
    });
    expect(updated.status).toBe(200);
    expect(updated.text).not.toContain('$requestId');
    const deleted = await send('DELETE', `${BASE}/four`);
    expect(deleted.status).toBe(200);
    expect(deleted.text).not.toContain('$requestId');
    await until('the audit events', () => (audit.length > 0 ? true : undefined));
    expect(JSON.stringify(audit)).not.toContain('$requestId');
  });

  it('JSON watch events carry requestId beside type and object, never $requestId', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${url}${BASE}?watch=true&resourceVersion=0`, {
      signal: ctrl.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const pump = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += Buffer.from(value).toString('utf8');
        }
      } catch {
        // aborted
      }
    })();
    const created = await send('POST', BASE, configMap('six', {}));
    await until('the ADDED event of six', () =>
      text.includes('"six"') && text.includes(created.auditId) ? true : undefined,
    );
    ctrl.abort();
    await pump;
    expect(text).not.toContain('$requestId');
    const events = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: KubeObject; requestId?: string });
    const six = events.find((e) => e.object.metadata.name === 'six');
    expect(six).toMatchObject({ type: 'ADDED', requestId: created.auditId });
    expect(Object.keys(six ?? {}).sort()).toEqual(['object', 'requestId', 'type']);
    // the initial events (from a list) know their writers too
    const one = events.find((e) => e.object.metadata.name === 'one');
    expect(one?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('kubectl get -w still works', async () => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfigPath, 'get', 'configmaps', '-w'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      await until('kubectl listing', () => (out.includes('one') ? true : undefined));
      await send('POST', BASE, configMap('seven', {}));
      await until('kubectl seeing the new object', () =>
        out.includes('seven') ? true : undefined,
      );
      expect(err).toBe('');
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('a built binary', () => {
  it('writes JSON lines, and with -v 4 a debug line per request', async () => {
    ensureBuilt();
    const pki = join(dir, 'pki');
    loadOrCreatePki(pki, 'federation');
    const port = await freePort();
    const proc = new BinaryProcess(APISERVER_JS, [
      '--etcd-servers',
      etcd.endpoint,
      '--etcd-prefix',
      `/flotilla/test-${randomUUID().slice(0, 8)}`,
      '--pki-dir',
      pki,
      '--secure-port',
      String(port),
      '-v',
      '4',
    ]);
    try {
      const served = await proc.waitFor(/serving on (https:\/\/[^\s"]+)/, 60_000);
      // a public path: any request gets its line at -v 2 and more
      const code = await new Promise<number>((resolve, reject) => {
        httpsGet(`${served[1] ?? ''}/healthz`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(code).toBe(200);
      const log = await proc.waitFor(/^\{.*"msg":"request".*\}$/m, 30_000);
      const line = JSON.parse(log[0]) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 'debug',
        component: 'flotilla-federation-apiserver',
        msg: 'request',
      });
      expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(line.requestId).toMatch(/\S/);
      // every log line is one JSON object (the readiness lines stay as they were)
      const jsonLines = proc.stdout.split('\n').filter((l) => l.startsWith('{'));
      expect(jsonLines.length).toBeGreaterThan(0);
      for (const l of jsonLines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    } finally {
      await proc.kill();
    }
  }, 120_000);

  it('refuses a bad -v with exit 2', async () => {
    const proc = new BinaryProcess(APISERVER_JS, ['-v', 'loud']);
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.stderr).toContain('verbosity must be a whole number');
  });
});
