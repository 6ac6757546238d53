// kubectl's typed commands send application/vnd.kubernetes.protobuf bodies. Against a real member
// cluster each must succeed on the first try (no 415 and JSON retry: the -v=6 log is checked) and
// store the fields kubectl set.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';

const run = promisify(execFile);
let etcd: EtcdService;
let member: MemberCluster;
let kubeconfig: string;

/** Runs kubectl at -v=6 and fails on any 415 (a protobuf body the server refused). */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('kubectl', ['--kubeconfig', kubeconfig, '-v=6', ...args], {
    timeout: 60_000,
  });
  expect(stderr).not.toMatch(/ 415 /);
  return stdout;
}

async function get(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await kubectl('get', '--raw', path)) as Record<string, unknown>;
}

/** One request as a protobuf client makes it: protobuf body, protobuf listed first in Accept. */
function protobufRequest(
  method: string,
  path: string,
  body?: Buffer,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${member.url}${path}`,
      {
        method,
        ca: member.cert.cert,
        cert: member.adminCert.cert,
        key: member.adminCert.key,
        agent: false,
        headers: {
          accept: 'application/vnd.kubernetes.protobuf,application/json',
          ...(body ? { 'content-type': 'application/vnd.kubernetes.protobuf' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  etcd = await startEtcd();
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-typed-'));
  kubeconfig = join(dir, 'member.kubeconfig');
  member = new MemberCluster({
    name: 'typed',
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: `/test-${randomUUID().slice(0, 8)}/member`,
    nodes: 1,
    runtime: 'hollow',
    controllers: '-*',
    kubeconfigPath: kubeconfig,
  });
  await member.start();
});
afterAll(async () => {
  await member?.stop();
  await etcd?.stop();
});

describe('kubectl typed commands (protobuf bodies)', () => {
  it('create namespace', async () => {
    expect(await kubectl('create', 'namespace', 'typed')).toContain('namespace/typed created');
    expect((await get('/api/v1/namespaces/typed')).metadata).toMatchObject({ name: 'typed' });
  });

  it('create configmap and secret', async () => {
    await kubectl('create', 'configmap', 'cm', '-n', 'typed', '--from-literal=a=b');
    expect((await get('/api/v1/namespaces/typed/configmaps/cm')).data).toEqual({ a: 'b' });
    await kubectl('create', 'secret', 'generic', 's', '-n', 'typed', '--from-literal=a=b');
    const s = await get('/api/v1/namespaces/typed/secrets/s');
    expect(s.data).toEqual({ a: Buffer.from('b').toString('base64') });
    expect(s.type).toBe('Opaque');
  });

  it('create deployment, service, serviceaccount, job', async () => {
    await kubectl('create', 'deployment', 'web', '-n', 'typed', '--image=nginx:1', '--replicas=2');
    const d = (await get('/apis/apps/v1/namespaces/typed/deployments/web')) as KubeObject & {
      spec: {
        replicas: number;
        selector: unknown;
        template: { spec: { containers: { name: string; image: string }[] } };
      };
    };
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx:1' });

    await kubectl('create', 'service', 'clusterip', 'web', '-n', 'typed', '--tcp=80:8080');
    const svc = (await get('/api/v1/namespaces/typed/services/web')) as {
      spec: { type: string; selector: unknown; ports: unknown[]; clusterIP: string };
    };
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual({ app: 'web' });
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' });

    await kubectl('create', 'serviceaccount', 'bot', '-n', 'typed');
    expect((await get('/api/v1/namespaces/typed/serviceaccounts/bot')).metadata).toMatchObject({
      name: 'bot',
    });

    await kubectl('create', 'job', 'once', '-n', 'typed', '--image=busybox', '--', 'echo', 'hi');
    const job = (await get('/apis/batch/v1/namespaces/typed/jobs/once')) as {
      spec: { template: { spec: { containers: { command: string[] }[]; restartPolicy: string } } };
    };
    expect(job.spec.template.spec.containers[0]?.command).toEqual(['echo', 'hi']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  it('autoscale a deployment (autoscaling/v1, stored and served as v2 too)', async () => {
    const out = await kubectl(
      'autoscale',
      'deployment',
      'web',
      '-n',
      'typed',
      '--min=2',
      '--max=5',
      '--cpu-percent=80',
    );
    expect(out).toContain('horizontalpodautoscaler.autoscaling/web autoscaled');
    const v2 = (await get(
      '/apis/autoscaling/v2/namespaces/typed/horizontalpodautoscalers/web',
    )) as { spec: Record<string, unknown> };
    expect(v2.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ],
    });
    // the v2 message is the served OpenAPI
    expect(await kubectl('explain', 'hpa.spec.behavior.scaleDown')).toContain(
      'stabilizationWindowSeconds',
    );
    expect(await kubectl('get', 'hpa', '-n', 'typed')).toMatch(
      /web\s+Deployment\/web\s+cpu: <unknown>\/80%\s+2\s+5\s+0/,
    );
  });

  it('create token and auth can-i', async () => {
    const token = (await kubectl('create', 'token', 'bot', '-n', 'typed', '--duration=10m')).trim();
    expect(token.split('.')).toHaveLength(3);
    expect((await kubectl('auth', 'can-i', 'create', 'pods', '-n', 'typed')).trim()).toBe('yes');
  });

  it('drain evicts the pods of a hollow node', async () => {
    const node = member.nodeNames[0] ?? '';
    await member
      .client()
      .resource({ group: '', version: 'v1', resource: 'pods' }, 'typed')
      .create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'bare' },
        spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
      });
    const out = await kubectl(
      'drain',
      node,
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--force',
      '--timeout=60s',
    );
    expect(out).toContain('pod/bare evicted');
    expect(await kubectl('get', 'pods', '-n', 'typed', '-o', 'name')).toBe('');
    expect(await kubectl('get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}')).toBe('true');
  });

  it('answers protobuf clients in JSON, and a malformed protobuf body with a 400 Status', async () => {
    const got = await protobufRequest('GET', '/api/v1/namespaces/typed');
    expect(got.status).toBe(200);
    expect(got.type).toMatch(/^application\/json/);
    const bad = await protobufRequest(
      'POST',
      '/api/v1/namespaces',
      Buffer.from('6b3873000a0f0a02763112094e616d657370616365121e0a', 'hex'),
    );
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/^application\/json/);
    expect(JSON.parse(bad.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
  });
});
