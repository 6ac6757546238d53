// Member cluster end to end: kubectl apply a Deployment of a locally built busybox httpd image
// (pulled from a local registry) onto a member with two Docker nodes; curl, logs, restart of a
// removed container, scale down, delete, and env from a ConfigMap and Secret (CreateContainerConfigError
// until they exist) — all checked against the real dockerd.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import { createClusterDns } from '../../dns/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import {
  dockerCli,
  removeContainers,
  startMemberEnv,
  type MemberEnv,
} from '../support/member-env.js';

const run = promisify(execFile);
let env: MemberEnv;
let member: MemberCluster;
let kubeconfig: string;
const dir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-member-'));

async function kubectl(...args: string[]): Promise<string> {
  return (await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 })).stdout;
}

/** The real curl, as the acceptance says: fails the test on any HTTP or connect error. */
async function curl(host: string, port: number): Promise<string> {
  const url = `http://${host}:${String(port)}/`;
  return (await run('curl', ['-sS', '--fail', '--max-time', '5', url], { timeout: 10_000 })).stdout;
}

function containers(): string[] {
  return dockerCli(env.dockerEnv, 'ps', '-q', '--filter', 'label=io.flotilla.node')
    .split('\n')
    .filter((l) => l !== '')
    .filter((id) =>
      dockerCli(
        env.dockerEnv,
        'inspect',
        '-f',
        '{{ index .Config.Labels "io.flotilla.node" }}',
        id,
      ).startsWith('e2e-m-'),
    );
}

async function pods(): Promise<Pod[]> {
  return (
    JSON.parse(await kubectl('get', 'pods', '-l', 'app=web', '-o', 'json')) as { items: Pod[] }
  ).items;
}

beforeAll(async () => {
  env = await startMemberEnv('e2e');
  kubeconfig = join(dir, 'kubeconfig');
  member = new MemberCluster({
    name: 'e2e-m',
    etcdEndpoint: env.etcd.endpoint,
    nodes: 2,
    runtime: 'docker',
    dockerSocketPath: env.docker.socketPath,
    nodeAddressPrefix: '127.0.9.',
    kubeconfigPath: kubeconfig,
    kubelet: { crashLoopBaseMs: 500, syncPeriodMs: 500 },
    dns: createClusterDns,
  });
  await member.start();
});

afterAll(async () => {
  await member?.stop();
  if (env) removeContainers(env.dockerEnv, 'e2e-m-');
  await env?.stop();
});

describe('member cluster with Docker nodes', () => {
  it('runs a 3-replica Deployment across both nodes, serves HTTP, logs, restarts, scales and deletes', async () => {
    const manifest = join(dir, 'web.yaml');
    writeFileSync(
      manifest,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: httpd
        image: ${env.image}
        command: ["/bin/sh", "-c", "echo serving on 8080; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`,
    );
    expect(await kubectl('apply', '-f', manifest)).toContain('deployment.apps/web created');
    await expect
      .poll(
        async () =>
          (await pods()).filter(
            (p) =>
              p.status?.phase === 'Running' &&
              p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          ).length,
        { timeout: 90_000, interval: 250 },
      )
      .toBe(3);
    expect(await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s')).toContain(
      'successfully rolled out',
    );
    expect(await kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}')).toMatch(
      /^10\.96\.\d+\.\d+$/,
    );
    const running = await pods();
    expect(new Set(running.map((p) => p.spec.nodeName))).toEqual(new Set(member.nodeNames));
    expect(containers()).toHaveLength(3);

    // every pod answers on its own loopback address, at the container port (8080)
    const eps = JSON.parse(await kubectl('get', 'endpoints', 'web', '-o', 'json')) as {
      subsets: { addresses: { ip: string }[]; ports: { port: number }[] }[];
    };
    const addrs = eps.subsets.flatMap((s) =>
      s.addresses.map((a) => ({ ip: a.ip, port: s.ports[0]?.port ?? 0 })),
    );
    expect(addrs).toHaveLength(3);
    expect(new Set(addrs.map((a) => a.ip)).size).toBe(3);
    for (const a of addrs) {
      expect(a.ip).toMatch(/^127\.(?!0\.9\.)/); // a pod address, not its node's
      expect(a.port).toBe(8080);
      expect(await curl(a.ip, a.port)).toContain('hello from flotilla');
    }

    // kubectl logs goes through pods/log to the kubelet
    const first = running[0]?.metadata.name ?? '';
    expect(await kubectl('logs', first)).toContain('serving on 8080');

    // a container removed behind the kubelet's back is recreated and counted as a restart
    const [victim] = dockerCli(
      env.dockerEnv,
      'ps',
      '-q',
      '--filter',
      `label=io.flotilla.pod.name=${first}`,
    ).split('\n');
    dockerCli(env.dockerEnv, 'rm', '-f', victim ?? '');
    await expect
      .poll(
        async () => {
          const p = (await pods()).find((x) => x.metadata.name === first);
          return (
            (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 &&
            p?.status?.containerStatuses?.[0]?.state?.running !== undefined
          );
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    expect(containers()).toHaveLength(3);

    // scale to 1 removes two containers
    expect(await kubectl('scale', 'deployment', 'web', '--replicas=1')).toContain('scaled');
    await expect.poll(() => containers().length, { timeout: 60_000, interval: 250 }).toBe(1);
    await expect.poll(async () => (await pods()).length, { timeout: 30_000 }).toBe(1);

    // the cluster DNS answers the Service name with its ClusterIP
    const clusterIp = await kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}');
    const dns = member.dnsAddress;
    expect(dns).toBeDefined();
    const dig = await run('dig', [
      '+short',
      '+time=2',
      '+tries=2',
      '-p',
      String(dns?.port),
      `@${dns?.host ?? ''}`,
      'web.default.svc.cluster.local',
      'A',
    ]);
    expect(dig.stdout.trim()).toBe(clusterIp);

    // deleting the Deployment removes everything (garbage collector → pods → kubelet)
    expect(await kubectl('delete', 'deployment', 'web')).toContain('deleted');
    await expect.poll(() => containers().length, { timeout: 60_000, interval: 250 }).toBe(0);
    expect(await kubectl('get', 'pods,rs', '-o', 'name')).toBe('');
  });

  it('passes ConfigMap and Secret values to the container, waiting until they exist', async () => {
    const pod = join(dir, 'env-pod.yaml');
    writeFileSync(
      pod,
      `apiVersion: v1
kind: Pod
metadata: {name: env-demo}
spec:
  containers:
  - name: main
    image: ${env.image}
    command: ["/bin/sh", "-c", "echo \\"greeting=$GREETING password=$PASSWORD mode=$CFG_mode\\"; trap 'exit 0' TERM; sleep 3600 & wait"]
    envFrom: [{prefix: CFG_, configMapRef: {name: env-cfg}}]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: env-cfg, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: env-secret, key: password}}}
    - {name: MISSING, valueFrom: {secretKeyRef: {name: env-secret, key: nope, optional: true}}}
`,
    );
    const config = join(dir, 'env-config.yaml');
    writeFileSync(
      config,
      `apiVersion: v1
kind: ConfigMap
metadata: {name: env-cfg}
data: {greeting: hello-from-configmap, mode: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: env-secret}
stringData: {password: s3cret-from-secret}
`,
    );
    const waiting = async (): Promise<string | undefined> =>
      (JSON.parse(await kubectl('get', 'pod', 'env-demo', '-o', 'json')) as Pod).status
        ?.containerStatuses?.[0]?.state?.waiting?.reason;

    // the ConfigMap and Secret do not exist yet: the container is held back, not started
    expect(await kubectl('apply', '-f', pod)).toContain('pod/env-demo created');
    await expect
      .poll(waiting, { timeout: 60_000, interval: 250 })
      .toBe('CreateContainerConfigError');
    expect(await kubectl('get', 'pod', 'env-demo')).toContain('CreateContainerConfigError');

    // once they exist a later sync starts it with their values
    await kubectl('apply', '-f', config);
    await expect
      .poll(async () => kubectl('logs', 'env-demo').catch(() => ''), {
        timeout: 60_000,
        interval: 250,
      })
      .toContain('greeting=hello-from-configmap password=s3cret-from-secret mode=blue');

    expect(await kubectl('delete', 'pod', 'env-demo', '--wait=false')).toContain('deleted');
    await kubectl('delete', '-f', config);
    await expect.poll(() => containers().length, { timeout: 60_000, interval: 250 }).toBe(0);
  });
});
