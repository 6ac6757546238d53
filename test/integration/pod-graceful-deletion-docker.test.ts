// Graceful pod deletion with real containers (one Docker kubelet): a container that handles SIGTERM
// ends at once and its pod goes soon after the DELETE; one that ignores it (busybox `sleep` as
// PID 1) keeps running, its pod Terminating, until SIGKILL at the end of the grace period.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import {
  buildBusyboxImage,
  ensureDockerd,
  startEtcd,
  type DockerService,
  type EtcdService,
} from '../../hack/lib/services.js';
import { PODS, type Pod } from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { dockerCli, removeContainers } from '../support/member-env.js';

const NAME = 'it-graceful-docker';
let etcd: EtcdService;
let docker: DockerService;
let dockerEnv: NodeJS.ProcessEnv;
let image: string;
let member: MemberCluster;
let client: RestClient;
const poll = { timeout: 60_000, interval: 200 };

const pods = () => client.resource<Pod>(PODS, 'default');

async function gone(name: string): Promise<boolean> {
  try {
    await pods().get(name);
    return false;
  } catch (err) {
    if (err instanceof NotFoundError) return true;
    throw err;
  }
}

/** Running containers of the pod with this uid. */
const running = (uid: string): string[] =>
  dockerCli(dockerEnv, 'ps', '-q', '--filter', `label=io.flotilla.pod.uid=${uid}`)
    .split('\n')
    .filter((l) => l !== '');

async function startPod(name: string, script: string, grace: number): Promise<Pod> {
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: grace,
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/busybox', 'sh', '-c', script],
        },
      ],
    },
  });
  await expect.poll(async () => (await pods().get(name)).status?.phase, poll).toBe('Running');
  return pods().get(name);
}

beforeAll(async () => {
  docker = await ensureDockerd();
  dockerEnv = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
  image = buildBusyboxImage(docker.socketPath);
  etcd = await startEtcd();
  member = new MemberCluster({
    name: NAME,
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: `/test-${randomUUID().slice(0, 8)}/member`,
    nodes: 1,
    runtime: 'docker',
    dockerSocketPath: docker.socketPath,
    clusterIndex: 118,
    kubelet: { heartbeatMs: 300, syncPeriodMs: 300 },
  });
  await member.start();
  client = member.client();
}, 180_000);

afterAll(async () => {
  await member?.stop();
  await etcd?.stop();
  if (dockerEnv) removeContainers(dockerEnv, NAME);
  await docker?.stop();
});

describe('graceful pod deletion (Docker)', () => {
  it('a container handling SIGTERM ends at once; its pod goes long before the grace period', async () => {
    const pod = await startPod('polite', 'trap "exit 0" TERM; while true; do sleep 0.2; done', 30);
    const began = Date.now();
    await pods().delete('polite');
    await expect.poll(() => gone('polite'), poll).toBe(true);
    expect(Date.now() - began).toBeLessThan(15_000);
    expect(running(pod.metadata.uid ?? '')).toEqual([]);
  });

  it('a container ignoring SIGTERM runs, its pod Terminating, until SIGKILL after the grace period', async () => {
    // busybox sleep as PID 1 has no SIGTERM handler, so the signal is ignored
    const pod = await startPod('stubborn', 'exec /bin/busybox sleep 3600', 4);
    const began = Date.now();
    const marked = await pods().delete('stubborn');
    expect(marked?.metadata.deletionGracePeriodSeconds).toBe(4);
    await new Promise((r) => setTimeout(r, 2000));
    const terminating = await pods().get('stubborn');
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(running(pod.metadata.uid ?? '')).toHaveLength(1);
    await expect.poll(() => gone('stubborn'), poll).toBe(true);
    expect(Date.now() - began).toBeGreaterThanOrEqual(3_000);
    expect(running(pod.metadata.uid ?? '')).toEqual([]);
  });
});
