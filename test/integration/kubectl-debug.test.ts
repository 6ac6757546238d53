// kubectl debug against a member API server on etcd whose kubelet (in-process, its own HTTPS API,
// Docker runtime) runs busybox pods: pods/ephemeralcontainers (discovery, RBAC separate from pods
// update, only additions), the ephemeral container started in the target's PID and network
// namespaces and read back with kubectl logs -c, kubectl debug -i with stdin through attach,
// --copy-to (a copy of the pod) and node/<name> (a hostNetwork pod on that node).
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

const NAME = 'kdebug';
const NODE = 'kdebug-node-1';
const NODE_IP = '127.0.79.1';
const POD = 'box';
const poll = { timeout: 60_000, interval: 250 };

let m: DockerMemberFixture;
let admin: RestClient;
let adminConfig: string;
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
    dirPrefix: 'flotilla-kubectl-debug-',
  });
  ({ admin, adminKubeconfig: adminConfig, image } = m);
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
          // a process only the target's PID namespace shows
          command: ['/bin/busybox', 'sleep', '31337'],
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

const pods = (): ReturnType<RestClient['resource']> => admin.resource<Pod>(PODS, 'default');

/** The ephemeral container's state once it ran to its end. */
async function terminated(pod: string, container: string): Promise<void> {
  await waitFor(
    `ephemeral container ${container} terminated`,
    async () =>
      ((await pods().get(pod)) as Pod).status?.ephemeralContainerStatuses?.find(
        (s) => s.name === container,
      )?.state?.terminated !== undefined,
    60_000,
  );
}

describe('kubectl debug on a member', () => {
  it('lists pods/ephemeralcontainers in discovery (get, patch, update; kind Pod)', async () => {
    const r = await asAdmin('get', '--raw', '/api/v1');
    const list = (
      JSON.parse(r.stdout) as { resources: { name: string; kind: string; verbs: string[] }[] }
    ).resources;
    expect(list.find((x) => x.name === 'pods/ephemeralcontainers')).toMatchObject({
      kind: 'Pod',
      verbs: ['get', 'patch', 'update'],
    });
  });

  it("runs an ephemeral container in the target's process namespace; its output via kubectl logs", async () => {
    const r = await asAdmin(
      'debug',
      `pod/${POD}`,
      `--image=${image}`,
      '--image-pull-policy=IfNotPresent',
      '--target=main',
      '--attach=false',
      '-c',
      'debugger',
      '--',
      'sh',
      '-c',
      'echo hi; ps',
    );
    expect(r.stderr).not.toMatch(/panic|error/i);
    expect(r.code).toBe(0);
    await terminated(POD, 'debugger');
    const pod = (await pods().get(POD)) as Pod;
    expect(pod.spec.ephemeralContainers?.[0]).toMatchObject({
      name: 'debugger',
      targetContainerName: 'main',
    });
    expect(pod.status?.ephemeralContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    // the pod itself is untouched: still running, the ephemeral container not part of its readiness
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.containerStatuses?.map((s) => s.name)).toEqual(['main']);
    const logs = await asAdmin('logs', POD, '-c', 'debugger');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^hi\n/);
    expect(logs.stdout).toContain('sleep 31337');
    // without --target: its own processes only
    await asAdmin(
      'debug',
      `pod/${POD}`,
      `--image=${image}`,
      '--image-pull-policy=IfNotPresent',
      '--attach=false',
      '-c',
      'alone',
      '--',
      'ps',
    );
    await terminated(POD, 'alone');
    const alone = await asAdmin('logs', POD, '-c', 'alone');
    expect(alone.stdout).toContain('ps');
    expect(alone.stdout).not.toContain('sleep 31337');
  });

  it('kubectl debug -i: stdin reaches the ephemeral container through attach', async () => {
    const r = await kubectl(
      adminConfig,
      [
        'debug',
        '-i',
        `pod/${POD}`,
        `--image=${image}`,
        '--image-pull-policy=IfNotPresent',
        '--target=main',
        '-c',
        'interactive',
        '--',
        'sh',
        '-c',
        'read x; echo "got $x"; ps',
      ],
      'hello\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('got hello');
    expect(r.stdout).toContain('sleep 31337');
  });

  it('adds entries only: a pods update of spec.ephemeralContainers is 422', async () => {
    const r = await asAdmin(
      'patch',
      'pod',
      POD,
      '--type=merge',
      '-p',
      '{"spec":{"ephemeralContainers":null}}',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pod updates may not change spec.ephemeralContainers/);
    // through the subresource, changing an existing one is 422 too
    const cur = (await pods().get(POD)) as Pod;
    const changed = structuredClone(cur);
    const first = changed.spec.ephemeralContainers?.[0];
    if (first) first.image = 'other';
    await expect(
      admin.request('PUT', `/api/v1/namespaces/default/pods/${POD}/ephemeralcontainers`, changed),
    ).rejects.toThrow(/existing ephemeral containers "debugger" may not be changed/);
  });

  it('needs pods/ephemeralcontainers: edit is not enough (as in Kubernetes), a role granting it is', async () => {
    await admin.resource(ROLE_BINDINGS, 'default').create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'carol-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'carol', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const carol = kubeconfig('carol');
    const debug = (name: string): Promise<Result> =>
      kubectl(carol, [
        'debug',
        `pod/${POD}`,
        `--image=${image}`,
        '--image-pull-policy=IfNotPresent',
        '--attach=false',
        '-c',
        name,
        '--',
        'true',
      ]);
    await expect.poll(async () => (await kubectl(carol, ['get', 'pod', POD])).code, poll).toBe(0);
    const refused = await debug('carol1');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/forbidden/i);
    expect(refused.stderr).toMatch(/pods\/ephemeralcontainers/);
    await admin.resource(ROLES, 'default').create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'debugger' },
      rules: [{ verbs: ['patch'], apiGroups: [''], resources: ['pods/ephemeralcontainers'] }],
    });
    await admin.resource(ROLE_BINDINGS, 'default').create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'carol-debugger' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'debugger' },
      subjects: [{ kind: 'User', name: 'carol', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    await expect.poll(async () => (await debug('carol2')).code, poll).toBe(0);
  });

  it('--copy-to creates a copy of the pod with the debug container added', async () => {
    const r = await asAdmin(
      'debug',
      POD,
      '--copy-to=box-debug',
      `--image=${image}`,
      '--image-pull-policy=IfNotPresent',
      '--attach=false',
      '-c',
      'dbg',
      '--',
      'sh',
      '-c',
      'echo copy; sleep 3600',
    );
    expect(r.code).toBe(0);
    const copy = (await pods().get('box-debug')) as Pod;
    expect(copy.spec.containers.map((c) => c.name)).toEqual(['main', 'dbg']);
    expect(copy.spec.ephemeralContainers ?? []).toEqual([]);
  });

  it('debug node/<name> creates a hostNetwork pod on that node, which runs', async () => {
    const r = await asAdmin(
      'debug',
      `node/${NODE}`,
      `--image=${image}`,
      '--image-pull-policy=IfNotPresent',
      '--attach=false',
      '--',
      'sh',
      '-c',
      'echo node; hostname',
    );
    expect(r.code).toBe(0);
    const name = /pod (node-debugger-\S+) /.exec(r.stdout + r.stderr)?.[1] ?? '';
    expect(name).toMatch(/^node-debugger-/);
    const pod = (await pods().get(name)) as Pod;
    expect(pod.spec).toMatchObject({ nodeName: NODE, hostNetwork: true, hostPID: true });
    await waitFor(
      'the node debugger done',
      async () => ((await pods().get(name)) as Pod).status?.phase === 'Succeeded',
      60_000,
    );
    expect((await asAdmin('logs', name)).stdout).toMatch(/^node\n/);
    expect(((await pods().get(name)) as Pod).status?.podIP).toBe(NODE_IP);
  });
});
