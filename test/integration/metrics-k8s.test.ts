// metrics.k8s.io in a member, as metrics-server serves it: a member API server on etcd with a
// hollow kubelet (in-process, its own HTTPS API) whose Summary API (/stats/summary) the server
// reads; `kubectl top nodes|pods` print rows, get by name, discovery, RBAC (403 without a grant,
// view through aggregation), 405 for writes; the kubelet's own /metrics through nodes/proxy; and
// the standalone API server's /metrics (its own queues, etcd latency).
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { ROLE_BINDINGS } from '../../machinery/rbac/rbac-types.js';
import { waitFor } from '../../hack/lib/ports.js';
import { PODS, type Pod } from '../../api/index.js';
import { HollowRuntime } from '../../member/kubelet/hollow-runtime.js';
import { joinKubelet } from '../support/kubelet-member.js';
import { startMemberApi, type MemberApiFixture } from '../support/member-api-fixture.js';

const NAME = 'mk8s';
const NODE = 'mk8s-node-1';
const NODE_IP = '127.0.79.1';
const run = promisify(execFile);

let member: MemberApiFixture | undefined;
let admin: RestClient;
let dir: string;
const abort = new AbortController();
const running: Promise<void>[] = [];
const configs = new Map<string, string>();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl as `user` (asynchronous: the API server and the kubelet run in this process). */
async function kubectl(user: string, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(
      'kubectl',
      ['--kubeconfig', configs.get(user) ?? '', ...args],
      { timeout: 30_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

function pod(name: string, cpu: string, memory: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'top' } },
    spec: {
      nodeName: NODE,
      containers: [
        { name: 'main', image: 'busybox', resources: { limits: { cpu, memory } } },
        { name: 'sidecar', image: 'busybox' },
      ],
    },
  };
}

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  member = await startMemberApi(NAME, 'flotilla-metrics-k8s-');
  const { api, auth, kubeconfig } = member;
  ({ admin, dir } = member);
  configs.set('admin', member.adminKubeconfig);
  configs.set('alice', kubeconfig('alice'));
  configs.set('viewer', kubeconfig('viewer'));
  running.push(
    ...(await joinKubelet({
      api,
      auth,
      admin,
      adminKubeconfig: configs.get('admin') ?? '',
      nodeName: NODE,
      nodeIp: NODE_IP,
      runtime: new HollowRuntime(),
      dir: join(dir, 'kubelet'),
      signal: abort.signal,
    })),
  );
  const pods = admin.resource<Pod>(PODS, 'default');
  await pods.create(pod('web', '500m', '256Mi'));
  await pods.create(pod('api', '200m', '128Mi'));
  await waitFor(
    'both pods Running',
    async () => (await pods.list()).items.filter((p) => p.status?.phase === 'Running').length === 2,
    60_000,
  );
  // viewer: the view ClusterRole in default only (metrics.k8s.io aggregated into it)
  await admin.resource(ROLE_BINDINGS, 'default').create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'viewer' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer' }],
  });
}, 180_000);

afterAll(async () => {
  abort.abort();
  await Promise.allSettled(running);
  await member?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('metrics.k8s.io in a member', () => {
  it('kubectl top nodes prints the node with its CPU and memory', async () => {
    const r = await kubectl('admin', 'top', 'nodes');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)/m);
    // web: 50m + a little, api: 20m + a little, two sidecars: 1m + a little each
    const row = new RegExp(`^${NODE}\\s+(\\d+)m\\s+\\d+%\\s+(\\d+)Mi`, 'm').exec(r.stdout);
    expect(row).not.toBeNull();
    expect(Number(row?.[1])).toBeGreaterThanOrEqual(72);
    // 64Mi + 32Mi + 2 × 8Mi at least
    expect(Number(row?.[2])).toBeGreaterThanOrEqual(112);
  });

  it('kubectl top pods -A and --containers print every running pod', async () => {
    const all = await kubectl('admin', 'top', 'pods', '-A');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/m);
    expect(all.stdout).toMatch(/^default\s+web\s+5\dm\s+\d+Mi/m);
    expect(all.stdout).toMatch(/^default\s+api\s+2\dm\s+\d+Mi/m);
    const containers = await kubectl('admin', 'top', 'pods', '-n', 'default', '--containers');
    expect(containers.code).toBe(0);
    expect(containers.stdout).toMatch(/^web\s+main\s+5\dm\s+6\dMi/m);
    expect(containers.stdout).toMatch(/^web\s+sidecar\s+\d+m\s+\dMi/m);
    const selected = await kubectl('admin', 'top', 'pods', '-l', 'app=top', '--no-headers');
    expect(selected.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('serves get by name, 404 for pods without metrics, discovery and 405 for writes', async () => {
    const one = await kubectl(
      'admin',
      'get',
      '--raw',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web',
    );
    const pm = JSON.parse(one.stdout) as {
      kind: string;
      metadata: { name: string; namespace: string };
      containers: { name: string; usage: { cpu: string; memory: string } }[];
    };
    expect(pm.kind).toBe('PodMetrics');
    expect(pm.metadata).toMatchObject({ name: 'web', namespace: 'default' });
    expect(pm.containers.map((c) => c.name)).toEqual(['main', 'sidecar']);
    expect(pm.containers[0]?.usage.cpu).toMatch(/^\d+n$/);
    const node = await kubectl(
      'admin',
      'get',
      '--raw',
      `/apis/metrics.k8s.io/v1beta1/nodes/${NODE}`,
    );
    expect(JSON.parse(node.stdout)).toMatchObject({
      kind: 'NodeMetrics',
      metadata: { name: NODE },
    });
    const missing = await kubectl(
      'admin',
      'get',
      '--raw',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope',
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/NotFound|not found/);
    const resources = await kubectl(
      'admin',
      'api-resources',
      '--api-group=metrics.k8s.io',
      '-o',
      'wide',
    );
    expect(resources.stdout).toMatch(
      /^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics\s+get,list/m,
    );
    expect(resources.stdout).toMatch(
      /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics\s+get,list/m,
    );
    const post = await admin.raw('POST', '/apis/metrics.k8s.io/v1beta1/nodes', '{}');
    expect(post.status).toBe(405);
  });

  it('RBAC: 403 without a grant; view in a namespace reads its pods but not nodes', async () => {
    const nodes = await kubectl('alice', 'top', 'nodes');
    expect(nodes.code).not.toBe(0);
    expect(nodes.stderr).toMatch(/forbidden/i);
    const pods = await kubectl('alice', 'top', 'pods', '-n', 'default');
    expect(pods.code).not.toBe(0);
    expect(pods.stderr).toMatch(/forbidden/i);
    const raw = await kubectl('alice', 'get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods');
    expect(raw.stderr).toMatch(/Forbidden|forbidden/);
    const viewer = await kubectl('viewer', 'top', 'pods', '-n', 'default');
    expect(viewer.code).toBe(0);
    expect(viewer.stdout).toMatch(/^web\s/m);
    expect((await kubectl('viewer', 'top', 'nodes')).stderr).toMatch(/forbidden/i);
  });

  it("the kubelet's /metrics through nodes/proxy: pod start latency; 403 for alice", async () => {
    const r = await kubectl('admin', 'get', '--raw', `/api/v1/nodes/${NODE}/proxy/metrics`);
    expect(r.code).toBe(0);
    const count = /^kubelet_pod_start_duration_seconds_count (\d+)$/m.exec(r.stdout);
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(2);
    const summary = await kubectl(
      'admin',
      'get',
      '--raw',
      `/api/v1/nodes/${NODE}/proxy/stats/summary`,
    );
    expect(JSON.parse(summary.stdout)).toMatchObject({ node: { nodeName: NODE } });
    const denied = await kubectl('alice', 'get', '--raw', `/api/v1/nodes/${NODE}/proxy/metrics`);
    expect(denied.stderr).toMatch(/Forbidden|forbidden/);
  });

  it("the API server's /metrics: its own queues and etcd request latency", async () => {
    const r = await kubectl('admin', 'get', '--raw', '/metrics');
    expect(r.stdout).toMatch(/^workqueue_depth\{name="clusterrole-aggregation"\} \d+$/m);
    expect(r.stdout).toMatch(/^workqueue_depth\{name="clusterip-repair-controller"\} \d+$/m);
    expect(r.stdout).toMatch(
      /^etcd_request_duration_seconds_count\{operation="create",type="pods"\} [1-9]\d*$/m,
    );
    expect(r.stdout).toMatch(
      /^etcd_request_duration_seconds_count\{operation="list",type="nodes"\} [1-9]/m,
    );
    expect(r.stdout).toMatch(
      /^apiserver_request_total\{verb="LIST",group="metrics.k8s.io",resource="pods"/m,
    );
  });
});
