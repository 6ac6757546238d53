// The federation's cluster proxy (/apis/cluster.flotilla.io/v1alpha1/clusters/<name>/proxy/...)
// against a FederationControlPlane with two hollow MemberClusters joined with `flotilla join`:
// RBAC at the federation (clusters/proxy), the caller impersonated at the member (the member's
// RBAC decides), Status errors (unknown 404, Pull and unreachable 503), a watch streamed through,
// and the CLI's get/describe --clusters, logs and exec (WebSocket, v5.channel.k8s.io) on top.
import { request } from 'node:https';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGMAPS, PODS, SECRETS, type Pod } from '../../api/index.js';
import { CLUSTERS } from '../../federation/apis/index.js';
import { runCli } from '../../federation/cli/run-cli.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { waitFor } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { CLUSTER_ROLE_BINDINGS } from '../../machinery/rbac/rbac-types.js';
import type { KubeObject, Status, WatchEvent } from '../../machinery/meta.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { podType, secretType, serviceAccountType } from '../../api/index.js';
import { startMemberApiServer, type RunningMemberApiServer } from '../../member/apiserver/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { HollowRuntime } from '../../member/kubelet/hollow-runtime.js';
import { joinKubelet } from '../support/kubelet-member.js';
import { flotilla, type CliResult } from '../support/cli-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-cluster-proxy-'));
const kc = join(dir, 'federation.kubeconfig');
const PROXY = `/apis/${CLUSTERS.group}/${CLUSTERS.version}/clusters`;
const TOKENS = { nobody: 'tok-nobody-1', carol: 'tok-carol-1', dave: 'tok-dave-1' };

let etcd: EtcdService;
let fed: FederationControlPlane;
const members: MemberCluster[] = [];
/** Member kx: a kubelet serving its HTTPS API (exec needs it; in-process MemberClusters have none). */
let kx: RunningMemberApiServer | undefined;
const abort = new AbortController();
const running: Promise<void>[] = [];

/** Starts member kx (API server + one hollow kubelet process) with pod `web` on its node. */
async function startKubeletMember(): Promise<void> {
  const auth = new ClusterAuthentication({
    clusterName: 'kx',
    types: {
      serviceAccounts: serviceAccountType,
      secrets: secretType,
      pods: podType as unknown as ResourceType,
    },
  });
  kx = await startMemberApiServer({
    clusterName: 'kx',
    etcdEndpoints: [etcd.endpoint],
    etcdPrefix: '/cluster-proxy-test/kx',
    auth,
  });
  const adminKubeconfig = join(dir, 'kx.kubeconfig');
  const cert = auth.clientCert('admin', [MASTERS_GROUP]);
  writeFileSync(
    adminKubeconfig,
    kubeconfigFor({ name: 'kx', server: kx.url, clientCert: cert, caCert: kx.tls.cert }),
  );
  const admin = new RestClient({
    server: kx.url,
    certData: cert.cert,
    keyData: cert.key,
    caData: kx.tls.cert,
  });
  running.push(
    ...(await joinKubelet({
      api: kx,
      auth,
      admin,
      adminKubeconfig,
      nodeName: 'kx-node-1',
      nodeIp: '127.0.93.1',
      runtime: new HollowRuntime(),
      dir: join(dir, 'kx-kubelet'),
      signal: abort.signal,
    })),
  );
  const pods = admin.resource<Pod>(PODS, 'default');
  await pods.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: { nodeName: 'kx-node-1', containers: [{ name: 'web', image: 'busybox:1.36' }] },
  });
  await waitFor(
    'pod web Running in kx',
    async () => (await pods.get('web')).status?.phase === 'Running',
    60_000,
    250,
  );
  admin.close();
  const r = await cli('join', 'kx', '--kubeconfig-of-member', adminKubeconfig);
  expect(r.stderr).toBe('');
}

const cli = (...args: string[]): Promise<CliResult> => flotilla(kc, ...args);

/** A raw request to the federation as a user (admin by default). */
async function raw(
  path: string,
  token?: string,
): Promise<{ status: number; body: string; json: () => Status & { items?: KubeObject[] } }> {
  const r = await fed.client(token).raw('GET', path);
  return { ...r, json: () => JSON.parse(r.body) as Status & { items?: KubeObject[] } };
}

/** A GET as admin with `Impersonate-User` (kubectl --as). */
function fetchAs(path: string, user: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(`${fed.url}${path}`, {
      cert: fed.adminCert.cert,
      key: fed.adminCert.key,
      ca: fed.cert.cert,
      headers: { 'Impersonate-User': user },
    });
    r.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    r.on('error', reject);
    r.end();
  });
}

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

function clusterRoleBinding(name: string, role: string, user: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
  };
}

async function startPod(m: MemberCluster, name: string): Promise<void> {
  const pods = m.client().resource<Pod>(PODS, 'default');
  await pods.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name, image: 'busybox:1.36' }] },
  });
  await waitFor(
    `pod ${name} Running`,
    async () => (await pods.get(name)).status?.phase === 'Running',
    60_000,
    250,
  );
}

beforeAll(async () => {
  etcd = await startEtcd();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    kubeconfigPath: kc,
    users: Object.fromEntries(Object.entries(TOKENS).map(([user, token]) => [token, user])),
  });
  await fed.start();
  for (const [i, name] of ['cp1', 'cp2'].entries()) {
    const m = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      nodes: 1,
      runtime: 'hollow',
      clusterIndex: 91 + i,
      kubeconfigPath: join(dir, `${name}.kubeconfig`),
    });
    await m.start();
    members.push(m);
    const r = await cli('join', name, '--kubeconfig-of-member', join(dir, `${name}.kubeconfig`));
    expect(r.stderr).toBe('');
  }
  const admin = fed.client();
  // carol and dave may use the proxy at the federation; only dave may read in member cp1
  for (const user of ['carol', 'dave']) {
    await admin
      .resource(CLUSTER_ROLE_BINDINGS)
      .create(clusterRoleBinding(`${user}-operator`, 'federation-operator', user));
  }
  await members[0]
    ?.client()
    .resource(CLUSTER_ROLE_BINDINGS)
    .create(clusterRoleBinding('dave-view', 'view', 'dave'));
  await startPod(members[0] as MemberCluster, 'web');
  await startPod(members[1] as MemberCluster, 'api');
  await startKubeletMember();
}, 180_000);

afterAll(async () => {
  abort.abort();
  await Promise.allSettled(running);
  await kx?.stop();
  for (const m of members) await m.stop();
  await fed?.stop();
  await etcd?.stop();
});

describe('cluster proxy', () => {
  it('serves the member API to an admin and lists clusters/proxy in discovery', async () => {
    const r = await raw(`${PROXY}/cp1/proxy/api/v1/namespaces/default/pods`);
    expect(r.status, r.body).toBe(200);
    expect(r.json().items?.map((p) => p.metadata.name)).toEqual(['web']);
    const v = await raw(`${PROXY}/cp2/proxy/version`);
    expect(v.status, v.body).toBe(200);
    expect(JSON.parse(v.body)).toMatchObject({ major: '1' });
    const d = await raw(`/apis/${CLUSTERS.group}/${CLUSTERS.version}`);
    expect(d.body).toContain('"clusters/proxy"');
  });

  it('refuses a user without clusters/proxy at the federation (403)', async () => {
    const r = await raw(`${PROXY}/cp1/proxy/api/v1/namespaces/default/pods`, TOKENS.nobody);
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    expect(r.json().message).toContain('clusters/proxy');
  });

  it('impersonates the caller at the member: the member RBAC decides', async () => {
    const path = `${PROXY}/cp1/proxy/api/v1/namespaces/default/pods`;
    const carol = await raw(path, TOKENS.carol);
    expect(carol.status).toBe(403);
    expect(carol.json().message).toContain('User "carol"');
    const dave = await raw(path, TOKENS.dave);
    expect(dave.status, dave.body).toBe(200);
    expect(dave.json().items?.map((p) => p.metadata.name)).toEqual(['web']);
    // dave has no rights in cp2
    expect(
      (await raw(`${PROXY}/cp2/proxy/api/v1/namespaces/default/pods`, TOKENS.dave)).status,
    ).toBe(403);
    // kubectl --as at the federation: the impersonated user is the one the member sees
    const res = await fetchAs(path, 'carol');
    expect(res.status).toBe(403);
    expect(res.body).toContain('User \\"carol\\"');
  });

  it('answers 404 for an unknown cluster and 503 for Pull and unreachable ones', async () => {
    const unknown = await raw(`${PROXY}/nope/proxy/version`);
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    const admin = fed.client();
    await admin.resource(CLUSTERS).create({
      apiVersion: `${CLUSTERS.group}/${CLUSTERS.version}`,
      kind: 'Cluster',
      metadata: { name: 'pulled' },
      spec: { syncMode: 'Pull', apiEndpoint: 'https://127.0.0.1:1' },
    });
    const pull = await raw(`${PROXY}/pulled/proxy/version`);
    expect(pull.status).toBe(503);
    expect(pull.json().message).toContain('Pull mode');
    // a member whose API server is gone: a port nobody listens on
    const port = await closedPort();
    const secret = await admin.resource(SECRETS, 'flotilla-system').get('cluster-cp1');
    await admin.resource(SECRETS, 'flotilla-system').create({
      ...secret,
      metadata: { name: 'cluster-gone' },
    });
    await admin.resource(CLUSTERS).create({
      apiVersion: `${CLUSTERS.group}/${CLUSTERS.version}`,
      kind: 'Cluster',
      metadata: { name: 'gone' },
      spec: {
        apiEndpoint: `https://127.0.0.1:${String(port)}`,
        secretRef: { namespace: 'flotilla-system', name: 'cluster-gone' },
      },
    });
    const gone = await raw(`${PROXY}/gone/proxy/version`);
    expect(gone.status).toBe(503);
    expect(gone.json()).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable' });
    expect(gone.json().message).toContain('cannot reach the API server of cluster "gone"');
  });

  it('answers 503 when a member accepts the connection but never answers (timeout)', async () => {
    // a TCP server that takes connections and says nothing, not even the TLS handshake
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const addr = silent.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const admin = fed.client();
      const secret = await admin.resource(SECRETS, 'flotilla-system').get('cluster-cp1');
      await admin
        .resource(SECRETS, 'flotilla-system')
        .create({ ...secret, metadata: { name: 'cluster-silent' } });
      await admin.resource(CLUSTERS).create({
        apiVersion: `${CLUSTERS.group}/${CLUSTERS.version}`,
        kind: 'Cluster',
        metadata: { name: 'silent' },
        spec: {
          apiEndpoint: `https://127.0.0.1:${String(port)}`,
          secretRef: { namespace: 'flotilla-system', name: 'cluster-silent' },
        },
      });
      const r = await raw(`${PROXY}/silent/proxy/version`);
      expect(r.status).toBe(503);
      expect(r.json().message).toContain('no response within 10000 ms');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 30_000);

  it('streams a watch through the proxy', async () => {
    const member = new RestClient({
      server: `${fed.url}${PROXY}/cp2/proxy`,
      certData: fed.adminCert.cert,
      keyData: fed.adminCert.key,
      caData: fed.cert.cert,
    });
    try {
      const list = await member.resource(CONFIGMAPS, 'default').list();
      const w = member
        .resource(CONFIGMAPS, 'default')
        .watch({ resourceVersion: list.metadata.resourceVersion ?? '' });
      const first = (async (): Promise<WatchEvent | undefined> => {
        for await (const ev of w) if (ev.type !== 'BOOKMARK') return ev;
        return undefined;
      })();
      await members[1]
        ?.client()
        .resource(CONFIGMAPS, 'default')
        .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen' }, data: {} });
      const ev = await first;
      w.stop();
      expect(ev?.type).toBe('ADDED');
      expect(ev?.object.metadata.name).toBe('seen');
    } finally {
      member.close();
    }
  });
});

describe('flotilla across member clusters', () => {
  it('gets pods of both members with a CLUSTER column', async () => {
    const r = await cli('get', 'pods', '--clusters', 'cp1,cp2', '-A');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+NAMESPACE\s+NAME\s+/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'cp1 default web',
      'cp2 default api',
    ]);
    const names = await cli('get', 'pods', '--clusters', 'cp1,cp2', '-o', 'name');
    expect(names.stdout).toBe('cp1/pod/web\ncp2/pod/api\n');
    const yaml = await cli('get', 'pods', 'web', '--clusters', 'cp1', '-o', 'json');
    expect(JSON.parse(yaml.stdout)).toMatchObject({
      kind: 'Pod',
      metadata: { name: 'web', annotations: { 'federation.flotilla.io/cluster': 'cp1' } },
    });
  });

  it('prints the members that answered and fails for the others', async () => {
    const r = await cli('get', 'pods', '--clusters', 'cp1,nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: cluster "nope": ');
    expect(r.stdout).toMatch(/^CLUSTER\s+NAME/);
    expect(r.stdout).toContain('cp1 ');
    expect(r.stdout).not.toContain('nope');
  });

  it('describes an object as each member has it', async () => {
    const r = await cli('describe', 'pod', 'web', '--clusters', 'cp1,cp2');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Cluster:\s+cp1\nName:\s+web\n/);
    expect(r.stderr).toContain('error: cluster "cp2": ');
    expect(r.stderr).toContain('not found');
  });

  it('prints a pod log through the proxy', async () => {
    const r = await cli('logs', 'web', '-C', 'cp1');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hollow container started: web\n');
    const missing = await cli('logs', 'web', '-C', 'cp2');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('not found');
  });

  it('execs through the proxy over WebSocket with the exit code and stdin', async () => {
    const r = await cli('exec', 'web', '-C', 'kx', '--', 'echo', 'hello', 'world');
    expect(r).toEqual({ code: 0, stdout: 'echo hello world\n', stderr: '' });
    const failed = await cli('exec', 'web', '-C', 'kx', '--', 'sh', '-c', 'exit 3');
    expect(failed.code).toBe(3);
    let stdout = '';
    const code = await runCli(['--kubeconfig', kc, 'exec', 'web', '-C', 'kx', '-i', '--', 'cat'], {
      stdout: (s) => (stdout += s),
      stderr: () => undefined,
      env: {},
      stdin: () => Promise.resolve('from stdin\n'),
    });
    expect(code).toBe(0);
    expect(stdout).toBe('cat\nfrom stdin\n');
    // carol may use the proxy but not exec in kx: the member's 403
    const carolKc = join(dir, 'carol.kubeconfig');
    writeFileSync(
      carolKc,
      kubeconfigFor({ name: 'carol', server: fed.url, token: TOKENS.carol, caCert: fed.cert.cert }),
    );
    const denied = await runCli(['--kubeconfig', carolKc, 'exec', 'web', '-C', 'kx', '--', 'ls'], {
      stdout: () => undefined,
      stderr: (s) => (stdout = s),
      env: {},
    });
    expect(denied).toBe(1);
    expect(stdout).toMatch(/^error: .*forbidden/);
  });
});
