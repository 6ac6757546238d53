// The real kubectl (v1.32) against our API server on real etcd: create, get (-o yaml, -l), get -w,
// apply twice, scale, patch (strategic, merge, json), delete; and bad input that must leave stored
// data untouched.
import { execFile, spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { sampleResources } from '../support/sample-resources.js';

const run = promisify(execFile);
let h: ApiHarness;
let dir: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', h.kubeconfigPath, ...args], {
    timeout: 30_000,
  });
  return stdout;
}

async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await run('kubectl', ['--kubeconfig', h.kubeconfigPath, ...args], { timeout: 30_000 });
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`kubectl ${args.join(' ')} unexpectedly succeeded`);
}

function manifest(replicas: number, image: string, extraLabel?: string): string {
  const p = join(dir, `dep-${String(replicas)}-${image.replace(/[:/]/g, '_')}.yaml`);
  writeFileSync(
    p,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web${extraLabel ? `, ${extraLabel}` : ''}}
spec:
  replicas: ${String(replicas)}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ${image}}, {name: sidecar, image: side:1}]
`,
  );
  return p;
}

beforeAll(async () => {
  h = await startApiHarness({ resources: sampleResources });
  dir = mkdtempSync(join(tmpdir(), 'flotilla-kubectl-'));
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
});
afterAll(async () => {
  await h.stop();
});

describe('kubectl against the API server', () => {
  it('create -f, get -o yaml, get -l', async () => {
    expect(await kubectl('create', '-f', manifest(2, 'busybox:1'))).toContain(
      'deployment.apps/web created',
    );
    const obj = load(await kubectl('get', 'deployment', 'web', '-o', 'yaml')) as KubeObject;
    expect(obj.metadata.uid).toMatch(/[0-9a-f-]{36}/);
    expect((obj.spec as { replicas: number }).replicas).toBe(2);
    expect(await kubectl('get', 'deploy', '-l', 'app=web', '-o', 'name')).toBe(
      'deployment.apps/web\n',
    );
    expect(await kubectl('get', 'deploy', '-l', 'app=db', '-o', 'name')).toBe('');
    const table = await kubectl('get', 'deployments');
    expect(table).toMatch(/NAME\s+READY\s+AGE/);
    expect(table).toMatch(/web\s+0\/2/);
  });

  it('apply twice: the second apply changes the object', async () => {
    expect(await kubectl('apply', '-f', manifest(2, 'busybox:1'))).toContain('deployment.apps/web');
    expect(await kubectl('apply', '-f', manifest(4, 'busybox:2', 'tier: front'))).toContain(
      'deployment.apps/web configured',
    );
    const obj = (await h.client
      .resource({ group: 'apps', version: 'v1', resource: 'deployments' }, 'default')
      .get('web')) as KubeObject & {
      spec: {
        replicas: number;
        template: { spec: { containers: { name: string; image: string }[] } };
      };
    };
    expect(obj.spec.replicas).toBe(4);
    expect(obj.spec.template.spec.containers).toEqual([
      { name: 'web', image: 'busybox:2' },
      { name: 'sidecar', image: 'side:1' },
    ]);
    expect(obj.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    expect(
      obj.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
    ).toContain('busybox:2');
    expect(obj.metadata.generation).toBeGreaterThan(1);
  });

  it('scale and patch (strategic, merge, json)', async () => {
    expect(await kubectl('scale', 'deployment', 'web', '--replicas=3')).toContain('scaled');
    expect(await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('3');
    await kubectl(
      'patch',
      'deploy',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"busybox:3"}]}}}}',
    );
    expect(
      await kubectl(
        'get',
        'deploy',
        'web',
        '-o',
        'jsonpath={.spec.template.spec.containers[*].image}',
      ),
    ).toBe('busybox:3 side:1');
    await kubectl(
      'patch',
      'deploy',
      'web',
      '--type=merge',
      '-p',
      '{"metadata":{"labels":{"patched":"yes"}}}',
    );
    await kubectl(
      'patch',
      'deploy',
      'web',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":5}]',
    );
    expect(
      await kubectl(
        'get',
        'deploy',
        'web',
        '-o',
        'jsonpath={.metadata.labels.patched} {.spec.replicas}',
      ),
    ).toBe('yes 5');
  });

  it('get -w streams changes', async () => {
    const child = spawn('kubectl', [
      '--kubeconfig',
      h.kubeconfigPath,
      'get',
      'configmaps',
      '-w',
      '-o',
      'name',
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const cms = h.client.resource({ group: '', version: 'v1', resource: 'configmaps' }, 'default');
    await expect
      .poll(
        async () => {
          await cms
            .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' } })
            .catch(() => undefined);
          return out;
        },
        { timeout: 20_000 },
      )
      .toContain('configmap/probe');
    await cms.patch('probe', { data: { a: 'b' } }, 'merge');
    await cms.delete('probe');
    // ADDED, MODIFIED and DELETED each print one line for the object
    await expect
      .poll(() => out.split('\n').filter((l) => l === 'configmap/probe').length, {
        timeout: 20_000,
      })
      .toBe(3);
    child.kill();
  });

  it('delete removes the object', async () => {
    expect(await kubectl('delete', 'deployment', 'web')).toContain('deleted');
    expect(await kubectlFails('get', 'deployment', 'web')).toContain('NotFound');
  });
});

describe('bad input gets a 4xx Status and leaves stored data untouched', () => {
  const cmPath = '/api/v1/namespaces/bad/configmaps';
  beforeAll(async () => {
    await h.client.resource({ group: '', version: 'v1', resource: 'configmaps' }, 'bad').create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'keep', labels: { app: 'x' } },
      data: { k: 'v' },
    });
  });

  async function snapshot(): Promise<string> {
    return JSON.stringify((await h.client.request<{ items: unknown[] }>('GET', cmPath)).items);
  }

  it.each([
    ['malformed JSON', 'POST', cmPath, '{"apiVersion": "v1", "kind": ', 400, 'BadRequest'],
    [
      'wrong kind for the URL',
      'POST',
      cmPath,
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'keep' } }),
      400,
      'BadRequest',
    ],
    [
      'missing name',
      'POST',
      cmPath,
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: {} }),
      422,
      'Invalid',
    ],
    [
      'invalid data',
      'PUT',
      `${cmPath}/keep`,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'keep' },
        data: { k: 5 },
      }),
      422,
      'Invalid',
    ],
    [
      'bad label selector',
      'GET',
      `${cmPath}?labelSelector=${encodeURIComponent('app in (x')}`,
      undefined,
      400,
      'BadRequest',
    ],
    [
      'bad field selector',
      'DELETE',
      `${cmPath}?fieldSelector=${encodeURIComponent('metadata.name')}`,
      undefined,
      400,
      'BadRequest',
    ],
    [
      'unsupported field selector',
      'GET',
      `${cmPath}?fieldSelector=${encodeURIComponent('data.k=v')}`,
      undefined,
      400,
      'BadRequest',
    ],
    [
      'non-numeric resourceVersion',
      'GET',
      `${cmPath}?watch=true&resourceVersion=abc`,
      undefined,
      400,
      'BadRequest',
    ],
    ['malformed %-escape in the path', 'GET', `${cmPath}/%E0%A4%A`, undefined, 400, 'BadRequest'],
    [
      'stale resourceVersion in a merge patch',
      'PATCH',
      `${cmPath}/keep`,
      JSON.stringify({ metadata: { resourceVersion: '1' }, data: { k: 'changed' } }),
      409,
      'Conflict',
    ],
    ['malformed merge patch', 'PATCH', `${cmPath}/keep`, '{not json', 400, 'BadRequest'],
    ['unknown resource', 'GET', '/api/v1/namespaces/bad/widgets', undefined, 404, 'NotFound'],
  ])('%s', async (_name, method, path, body, code, reason) => {
    const before = await snapshot();
    const ct = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    const res = await h.client.raw(method, path, body, ct);
    expect(res.status).toBe(code);
    const status = JSON.parse(res.body) as {
      kind: string;
      status: string;
      reason: string;
      code: number;
      message: string;
    };
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason, code });
    expect(status.message.length).toBeGreaterThan(5);
    expect(await snapshot()).toBe(before);
  });

  it('a PUT of the main resource keeps status; the status subresource changes only status', async () => {
    const deps = h.client.resource<
      KubeObject & {
        spec: { replicas: number; selector?: unknown };
        status?: { replicas?: number };
      }
    >({ group: 'apps', version: 'v1', resource: 'deployments' }, 'bad');
    const created = await deps.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'st' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'st' } } },
    });
    const withStatus = await deps.updateStatus({ ...created, status: { replicas: 1 } });
    expect(withStatus.status).toEqual({ replicas: 1 });
    const put = await deps.update({
      ...withStatus,
      spec: { ...withStatus.spec, replicas: 2 },
      status: { replicas: 99 },
    });
    expect(put.spec.replicas).toBe(2);
    expect(put.status).toEqual({ replicas: 1 });
    const st = await deps.updateStatus({
      ...put,
      spec: { ...put.spec, replicas: 7 },
      status: { replicas: 2 },
    });
    expect(st.spec.replicas).toBe(2);
    expect(st.status).toEqual({ replicas: 2 });
  });

  it('kubectl shows the server message for invalid objects and exits non-zero', async () => {
    const p = join(dir, 'bad.yaml');
    writeFileSync(
      p,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec: {replicas: -1}\n',
    );
    const err = await kubectlFails('create', '-f', p);
    expect(err).toContain('spec.replicas');
    expect(await kubectlFails('get', 'deployment', 'broken')).toContain('NotFound');
  });
});
