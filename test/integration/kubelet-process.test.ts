// flotilla-kubelet as its own process (hollow runtime) joining a member API server with a bootstrap
// token: kubelet client CSR auto-approved (csrapproving) and signed (csrsigning with the cluster
// CA), Node Ready under system:node:<name>, a serving CSR approved with `kubectl certificate
// approve`, pods run, the kubelet HTTPS API (authn/authz), `kubectl logs` (and -f) through the
// API server's pods/log proxy, 503 for an unreachable kubelet, restart with the saved kubeconfig,
// --help, bad flags and SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { waitFor } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import {
  CERTIFICATE_SIGNING_REQUESTS,
  csrCondition,
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  NODES,
  PODS,
  podType,
  SECRETS,
  secretType,
  serviceAccountType,
  type CertificateSigningRequest,
  type Node,
  type Pod,
} from '../../api/index.js';
import { distScript, ensureBuilt, spawnBinary, type SpawnedBinary } from '../support/binaries.js';
import { startMemberApiServer, type RunningMemberApiServer } from '../../member/apiserver/index.js';
import {
  CONTROLLER_MANAGER_USER,
  KUBELET_API_CLIENT_USER,
} from '../../member/cluster/member-bootstrap-policy.js';
import { memberControllerManager } from '../../member/controllers/index.js';
import { defaultClusterCidr } from '../../member/cluster/default-cluster-cidr.js';
import { HOLLOW_LOG_LINE } from '../../member/kubelet/hollow-runtime.js';
import { kubeletGet as get, servedCert as served } from '../support/kubelet-api.js';

const KUBELET = distScript('member/cmd/kubelet.js');
const NAME = 'kproc';
const NODE = 'kproc-node-1';
const NODE_IP = '127.0.77.1';
const poll = { timeout: 30_000, interval: 200 };
const run = promisify(execFile);

let etcd: EtcdService;
let api: RunningMemberApiServer;
let auth: ClusterAuthentication;
let admin: RestClient;
let dir: string;
let adminKubeconfig: string;
let bootstrapKubeconfig: string;
let tokenId: string;
let kubelet: SpawnedBinary | undefined;
const abort = new AbortController();
let controllers: Promise<void> | undefined;

function start(args: string[]): SpawnedBinary {
  return spawnBinary(KUBELET, args);
}

function kubeletArgs(extra: string[] = []): string[] {
  return [
    '--node-name',
    NODE,
    '--node-ip',
    NODE_IP,
    '--port',
    '0',
    '--runtime',
    'hollow',
    '--kubeconfig',
    join(dir, 'kubelet', 'kubeconfig'),
    '--node-status-update-frequency',
    '1',
    ...extra,
  ];
}

/** kubectl as admin (asynchronous: the API server runs in this process). */
async function kubectl(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', adminKubeconfig, ...args], {
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

const kubeletGet = (port: number, path: string, cert?: ClientCert) =>
  get(NODE_IP, port, path, auth.ca.cert, cert);
const servedCert = (port: number) => served(NODE_IP, port);
const csrs = () => admin.resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS);

async function node(): Promise<Node> {
  return admin.resource<Node>(NODES).get(NODE);
}

beforeAll(async () => {
  // the suite (hack/test-all.sh) builds dist/ before the tests run; a stale one is rebuilt
  ensureBuilt([KUBELET]);
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-kubelet-proc-'));
  auth = new ClusterAuthentication({
    clusterName: NAME,
    types: {
      serviceAccounts: serviceAccountType,
      secrets: secretType,
      pods: podType as unknown as ResourceType,
    },
  });
  api = await startMemberApiServer({
    clusterName: NAME,
    etcdEndpoints: [etcd.endpoint],
    etcdPrefix: `/test-${randomUUID().slice(0, 8)}/member`,
    auth,
  });
  const client = (cert: ClientCert): RestClient =>
    new RestClient({
      server: api.url,
      certData: cert.cert,
      keyData: cert.key,
      caData: api.tls.cert,
    });
  const adminCert = auth.clientCert('admin', [MASTERS_GROUP]);
  admin = client(adminCert);
  adminKubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(
    adminKubeconfig,
    kubeconfigFor({ name: NAME, server: api.url, clientCert: adminCert, caCert: api.tls.cert }),
  );
  // the controller manager's CSR controllers, with the cluster CA as signer
  const cm = client(auth.clientCert(CONTROLLER_MANAGER_USER));
  const informers = new InformerFactory(cm);
  const manager = memberControllerManager(
    {
      client: cm,
      informers,
      logger: consoleLogger('cm', true),
      now: () => new Date(),
      signer: auth.ca,
    },
    // Nodes get a podCIDR (pods wait for one)
    { nodeIpam: { clusterCidr: defaultClusterCidr(), nodeCidrMaskSize: 26 } },
  );
  informers.start(abort.signal);
  controllers = manager
    .run(abort.signal, 'csrapproving,csrsigning,nodeipam')
    .then(() => informers.stopped());
  tokenId = randomBytes(3).toString('hex');
  const secret = randomBytes(8).toString('hex');
  await admin.resource(SECRETS, 'kube-system').create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${tokenId}` },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      'token-id': tokenId,
      'token-secret': secret,
      'usage-bootstrap-authentication': 'true',
    },
  });
  bootstrapKubeconfig = join(dir, 'bootstrap.kubeconfig');
  writeFileSync(
    bootstrapKubeconfig,
    kubeconfigFor({
      name: NAME,
      server: api.url,
      token: `${tokenId}.${secret}`,
      caCert: auth.ca.cert,
    }),
  );
});

afterAll(async () => {
  kubelet?.child.kill('SIGKILL');
  abort.abort();
  await controllers;
  admin.close();
  await api.stop();
  await etcd.stop();
});

describe('flotilla-kubelet', () => {
  it('prints usage for --help and exits 2 on bad flags', async () => {
    const help = start(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.out()).toContain('usage: flotilla-kubelet');
    const unknown = start(['--bogus']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.out()).toContain('bogus');
    const bad = start(['--node-ip', '127.0.0.300', '--runtime', 'x', '--port=-1']);
    expect(await bad.exited).toBe(2);
    for (const f of ['--node-name', '--node-ip', '--kubeconfig', '--runtime', '--port']) {
      expect(bad.out()).toContain(`${f}:`);
    }
  });

  it('joins with a bootstrap token: its client CSR is approved and signed, its Node is Ready', async () => {
    kubelet = start(kubeletArgs(['--bootstrap-kubeconfig', bootstrapKubeconfig]));
    let client: CertificateSigningRequest | undefined;
    await waitFor('a signed kubelet client CSR', async () => {
      client = (await csrs().list()).items.find(
        (c) => c.spec.signerName === KUBELET_CLIENT_SIGNER && c.status?.certificate,
      );
      return client !== undefined;
    });
    // the server stamped the requester: the bootstrap token's user and group
    expect(client?.spec.username).toBe(`system:bootstrap:${tokenId}`);
    expect(client?.spec.groups).toContain('system:bootstrappers');
    expect(client && csrCondition(client, 'Approved')?.reason).toBe('AutoApproved');
    const cert = new X509Certificate(Buffer.from(client?.status?.certificate ?? '', 'base64'));
    expect(cert.subject.split('\n')).toEqual([`CN=system:node:${NODE}`, 'O=system:nodes']);
    await expect
      .poll(
        async () => (await node()).status?.conditions?.find((c) => c.type === 'Ready')?.status,
        poll,
      )
      .toBe('True');
    expect((await node()).status?.daemonEndpoints?.kubeletEndpoint?.Port).toBeGreaterThan(0);
    expect(kubelet.out()).toMatch(/API https:\/\/127\.0\.77\.1:\d+/);
  });

  it('serves the kubelet API with a CA-signed certificate once its serving CSR for its own address is approved', async () => {
    const port = (await node()).status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
    // csrapproving approves a node's serving CSR whose SANs are that Node's own addresses
    await expect
      .poll(async () => {
        const serving = (await csrs().list()).items.find(
          (c) => c.spec.signerName === KUBELET_SERVING_SIGNER,
        );
        const approved = serving?.status?.conditions?.find((c) => c.type === 'Approved');
        return `${serving?.spec.username ?? ''} ${approved?.reason ?? ''}`;
      }, poll)
      .toBe(`system:node:${NODE} AutoApproved`);
    await expect
      .poll(async () => {
        const c = await servedCert(port);
        return c.verify(new X509Certificate(auth.ca.cert).publicKey) && c.checkIP(NODE_IP);
      }, poll)
      .toBe(NODE_IP);
    const listed = await kubectl('get', 'csr');
    expect(listed.stdout).toMatch(/kubelet-serving\s+system:node:\S+\s+<none>\s+Approved,Issued/);
  });

  it('runs a pod bound to it and answers the kubelet API only to the API server and masters', async () => {
    await admin.resource<Pod>(PODS, 'default').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { nodeName: NODE, containers: [{ name: 'c', image: 'nginx:1' }] },
    });
    await expect
      .poll(async () => (await admin.resource<Pod>(PODS, 'default').get('web')).status?.phase, poll)
      .toBe('Running');
    const port = (await node()).status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
    const apiserver = auth.clientCert(KUBELET_API_CLIENT_USER);
    const logs = await kubeletGet(port, '/containerLogs/default/web/c', apiserver);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain(`${HOLLOW_LOG_LINE} c`);
    const pods = await kubeletGet(port, '/pods', apiserver);
    expect((JSON.parse(pods.body) as { items: Pod[] }).items.map((p) => p.metadata.name)).toEqual([
      'web',
    ]);
    expect(
      (await kubeletGet(port, '/healthz', auth.clientCert('root', [MASTERS_GROUP]))).status,
    ).toBe(200);
    expect((await kubeletGet(port, '/containerLogs/default/web/c')).status).toBe(401);
    expect((await kubeletGet(port, '/pods', auth.clientCert('alice', ['devs']))).status).toBe(403);
    const otherNode = auth.clientCert('system:node:other', ['system:nodes']);
    expect((await kubeletGet(port, '/pods', otherNode)).status).toBe(403);
    const missing = await kubeletGet(port, '/containerLogs/default/web/nope', apiserver);
    expect(missing.status).toBe(400);
  });

  it('serves kubectl logs (and logs -f) through the API server proxy', async () => {
    const once = await kubectl('logs', 'web');
    expect(once.stderr).toBe('');
    expect(once.stdout).toContain(`${HOLLOW_LOG_LINE} c`);
    expect((await kubectl('logs', 'web', '--tail=0')).stdout).toBe('');
    expect((await kubectl('logs', 'web', '--timestamps')).stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\S+ hollow/,
    );
    const follow = spawn('kubectl', ['--kubeconfig', adminKubeconfig, 'logs', '-f', 'web'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    follow.stdout.on('data', (d: Buffer) => (text += d.toString()));
    const ended = new Promise<number | null>((r) => follow.once('exit', (c) => r(c)));
    await expect.poll(() => text, poll).toContain(HOLLOW_LOG_LINE);
    // still streaming: the container runs
    expect(follow.exitCode).toBeNull();
    await admin.resource(PODS, 'default').delete('web', { gracePeriodSeconds: 0 });
    // the container stops: the kubelet ends the stream, the proxy ends, kubectl exits
    expect(await ended).toBe(0);
  });

  it('answers 400 for an unscheduled pod and 503 when the kubelet cannot be reached', async () => {
    await admin.resource<Pod>(PODS, 'default').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pending' },
      spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
    });
    const pending = await kubectl('logs', 'pending');
    expect(pending.code).not.toBe(0);
    expect(pending.stderr).toMatch(/not running on a node/);
    await admin.resource<Node>(NODES).create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'gone' },
    });
    await admin.resource<Node>(NODES).updateStatus({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'gone' },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.77.99' }],
        daemonEndpoints: { kubeletEndpoint: { Port: 1 } },
      },
    });
    await admin.resource<Pod>(PODS, 'default').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan' },
      spec: { nodeName: 'gone', containers: [{ name: 'c', image: 'nginx:1' }] },
    });
    const orphan = await kubectl('logs', 'orphan');
    expect(orphan.code).not.toBe(0);
    expect(orphan.stderr).toMatch(/ServiceUnavailable|error trying to reach the kubelet/);
  });

  it('stops on SIGTERM and restarts from its saved kubeconfig without a new client CSR', async () => {
    const k = kubelet;
    if (!k) throw new Error('kubelet not started');
    k.child.kill('SIGTERM');
    expect(await k.exited).toBe(0);
    const before = (await csrs().list()).items.length;
    // no bootstrap kubeconfig this time: the certificate in --kubeconfig is still valid
    kubelet = start(kubeletArgs());
    const again = kubelet;
    await waitFor('kubelet API', () => {
      if (again.child.exitCode !== null) throw new Error(`exited: ${again.out()}`);
      return Promise.resolve(/API https:/.test(again.out()));
    });
    const port = Number(/API https:\/\/[\d.]+:(\d+)/.exec(again.out())?.[1]);
    // the saved, CA-signed serving certificate is reused as well
    const served = await servedCert(port);
    expect(served.verify(new X509Certificate(auth.ca.cert).publicKey)).toBe(true);
    await expect
      .poll(async () => (await node()).status?.daemonEndpoints?.kubeletEndpoint?.Port, poll)
      .toBe(port);
    expect((await csrs().list()).items.length).toBe(before);
    kubelet.child.kill('SIGTERM');
    expect(await kubelet.exited).toBe(0);
    kubelet = undefined;
  });
});
