// kubectl exec, attach, cp and port-forward against a member API server on etcd whose kubelet
// (in-process, its own HTTPS API, Docker runtime) runs busybox pods: pods/exec, pods/attach and
// pods/portforward proxied with the WebSocket upgrade to the kubelet (v5.channel.k8s.io; SPDY/3.1
// tunneled for port-forward), stdout/stderr/exit codes, stdin, tar for cp, httpd through a
// forwarded port, RBAC (edit may, 403 without pods/exec|attach|portforward), discovery.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { ROLE_BINDINGS, ROLES } from '../../machinery/rbac/rbac-types.js';
import { waitFor } from '../../hack/lib/ports.js';
import { PODS, type Pod } from '../../api/index.js';
import {
  kubectl,
  startDockerMember,
  type DockerMemberFixture,
  type KubectlResult,
} from '../support/docker-member-fixture.js';

const NAME = 'kexec';
const NODE = 'kexec-node-1';
const NODE_IP = '127.0.78.1';
const POD = 'box';
const poll = { timeout: 60_000, interval: 250 };

let m: DockerMemberFixture;
let admin: RestClient;
let adminConfig: string;
let dir: string;
let image: string;

type Result = KubectlResult;
const kubeconfig = (user: string, groups?: string[]): string => m.kubeconfig(user, groups);
const asAdmin = (...args: string[]): Promise<Result> => m.asAdmin(...args);

beforeAll(async () => {
  // pods/exec, pods/attach and pods/portforward: the default proxies to the kubelet API
  m = await startDockerMember({
    name: NAME,
    nodeName: NODE,
    nodeIp: NODE_IP,
    dirPrefix: 'flotilla-kubectl-exec-',
  });
  ({ admin, adminKubeconfig: adminConfig, dir, image } = m);
  await admin.resource<Pod>(PODS, 'default').create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD },
    spec: {
      nodeName: NODE,
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'IfNotPresent',
          // busybox has tar but the image has no `tar` link: kubectl cp runs `tar`
          command: [
            '/bin/busybox',
            'sh',
            '-c',
            '/bin/busybox ln -sf busybox /bin/tar; while true; do echo tick; sleep 1; done',
          ],
        },
      ],
    },
  });
  await waitFor(
    'the pod Running',
    async () => (await admin.resource<Pod>(PODS, 'default').get(POD)).status?.phase === 'Running',
    60_000,
  );
}, 180_000);

afterAll(async () => {
  await m?.stop();
});

/** `kubectl port-forward pod/web 0:<remote>` once it listens: its local port, stderr, stop. */
async function portForward(
  remote: string,
): Promise<{ port: string; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(
    'kubectl',
    ['--kubeconfig', adminConfig, 'port-forward', 'pod/web', `0:${remote}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    child.kill('SIGINT');
    await exited;
  };
  const listening = /Forwarding from 127\.0\.0\.1:(\d+)/;
  await expect
    .poll(() => out + err, poll)
    .toMatch(listening)
    .catch(async (e: unknown) => {
      await stop();
      throw e;
    });
  return { port: listening.exec(out)?.[1] ?? '', stderr: () => err, stop };
}

describe('kubectl exec, attach and cp on a member', () => {
  it('lists pods/exec, pods/attach and pods/portforward in discovery', async () => {
    const r = await asAdmin('get', '--raw', '/api/v1');
    const names = (JSON.parse(r.stdout) as { resources: { name: string; verbs: string[] }[] })
      .resources;
    for (const sub of ['pods/exec', 'pods/attach', 'pods/portforward']) {
      expect(names.find((x) => x.name === sub)?.verbs).toEqual(['get', 'create']);
    }
  });

  it('runs a command: stdout, stderr and the exit code', async () => {
    const r = await asAdmin('exec', POD, '--', 'sh', '-c', 'echo hi; echo err >&2; exit 3');
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toContain('err\n');
    expect(r.code).toBe(3);
    const ok = await asAdmin('exec', POD, '-c', 'main', '--', 'echo', 'fine');
    expect(ok).toEqual({ code: 0, stdout: 'fine\n', stderr: '' });
  });

  it('passes stdin (kubectl exec -i ... cat) and closes it at EOF', async () => {
    const r = await kubectl(adminConfig, ['exec', '-i', POD, '--', 'cat'], 'line one\nline two\n');
    expect(r).toEqual({ code: 0, stdout: 'line one\nline two\n', stderr: '' });
  });

  it('copies a file into the pod and back (kubectl cp)', async () => {
    const src = join(dir, 'in.txt');
    // big enough (8 MiB) that both directions have to wait for the other side
    const body = `copied ${randomUUID()}\n${randomBytes(6 * 1024 * 1024).toString('base64')}\n`;
    writeFileSync(src, body);
    const up = await kubectl(adminConfig, ['cp', src, `${POD}:/tmp/in.txt`]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect((await asAdmin('exec', POD, '--', 'cat', '/tmp/in.txt')).stdout === body).toBe(true);
    const back = join(dir, 'back.txt');
    const down = await kubectl(adminConfig, ['cp', `${POD}:/tmp/in.txt`, back]);
    expect(down.code).toBe(0);
    expect(readFileSync(back, 'utf8') === body).toBe(true);
  });

  it('attaches to the running container', async () => {
    const child = spawn('kubectl', ['--kubeconfig', adminConfig, 'attach', POD], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await expect.poll(() => out, poll).toContain('tick\n');
    child.kill('SIGINT');
    await exited;
  });

  it('answers errors as Status: unknown container, missing command, unknown pod', async () => {
    const bad = await asAdmin('exec', POD, '-c', 'nope', '--', 'true');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/container nope is not valid|not found/);
    const gone = await asAdmin('exec', 'missing', '--', 'true');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/NotFound|not found/);
    // a plain POST, without an upgrade: 400
    const raw = await kubectl(
      adminConfig,
      ['create', '--raw', `/api/v1/namespaces/default/pods/${POD}/exec?command=true`, '-f', '-'],
      '{}',
    );
    expect(raw.code).not.toBe(0);
    expect(raw.stderr).toMatch(/Upgrade request required/);
  });

  it('needs pods/exec: edit may, a user without a role is refused 403', async () => {
    await admin.resource(ROLE_BINDINGS, 'default').create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bob-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const bob = kubeconfig('bob');
    await expect
      .poll(async () => (await kubectl(bob, ['exec', POD, '--', 'echo', 'bob'])).stdout, poll)
      .toBe('bob\n');
    // alice may read pods (kubectl exec gets the pod first) but has no pods/exec
    await admin.resource(ROLES, 'default').create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pod-reader' },
      rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
    });
    await admin.resource(ROLE_BINDINGS, 'default').create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-pod-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const alice = kubeconfig('alice', ['devs']);
    await expect.poll(async () => (await kubectl(alice, ['get', 'pod', POD])).code, poll).toBe(0);
    const refused = await kubectl(alice, ['exec', POD, '--', 'echo', 'alice']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/forbidden/i);
    expect(refused.stderr).toMatch(/pods\/exec/);
    const attach = await kubectl(alice, ['attach', POD]);
    expect(attach.stderr).toMatch(/forbidden/i);
    expect(attach.stderr).toMatch(/pods\/attach/);
    const forward = await kubectl(alice, ['port-forward', POD, '0:8080']);
    expect(forward.code).not.toBe(0);
    expect(forward.stderr).toMatch(/pods\/portforward/);
  });

  it('forwards a local port to the pod (kubectl port-forward) and reports unpublished ports', async () => {
    await admin.resource<Pod>(PODS, 'default').create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: {
        nodeName: NODE,
        containers: [
          {
            name: 'httpd',
            image,
            imagePullPolicy: 'IfNotPresent',
            command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
            ports: [{ containerPort: 8080 }],
          },
        ],
      },
    });
    await waitFor(
      'the web pod Running',
      async () =>
        (await admin.resource<Pod>(PODS, 'default').get('web')).status?.phase === 'Running',
      60_000,
    );
    const good = await portForward('8080');
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${good.port}/`).catch((e: unknown) => {
          throw new Error(`${String(e)}; kubectl port-forward said: ${good.stderr()}`);
        });
        expect(await res.text()).toBe('hello from flotilla\n');
      }
      expect(good.stderr()).toBe('');
    } finally {
      await good.stop();
    }
    // port 9090 is not declared: the kubelet says so on the error stream
    const bad = await portForward('9090');
    try {
      await fetch(`http://127.0.0.1:${bad.port}/`).catch(() => undefined);
      await expect.poll(() => bad.stderr(), poll).toMatch(/does not publish port 9090/);
    } finally {
      await bad.stop();
    }
  });
});
