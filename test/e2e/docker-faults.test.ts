// Faults on a member with real containers (issue #17): a 2-replica Deployment behind a Service on
// one node whose kubelet is its own process, on a private dockerd of this test (the project's
// shared daemon is never stopped: other tests use it).
//  - dockerd restarted under running pods: the containers die with the daemon (no live-restore:
//    Kubernetes semantics), the same kubelet process reconnects to the new daemon and restarts
//    them (restartCount + 1), one running container per pod (the dead one kept as the previous
//    run, as Kubernetes keeps one), the Deployment ready, the kubelet never
//    exits nor logs an unhandled rejection.
//  - `kill -9` of the kubelet: the containers keep serving while it is down; the restarted kubelet
//    adopts them: no duplicate, no restart (same ids, same restartCount), pods Ready throughout,
//    the Service's endpoints unchanged. It runs second, so the counts it must keep are not 0.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEPLOYMENTS,
  ENDPOINTS,
  PODS,
  SERVICES,
  type Deployment,
  type Endpoints,
  type Pod,
  type Service,
} from '../../api/index.js';
import { buildBusyboxImage } from '../../hack/lib/services.js';
import { waitFor } from '../../hack/lib/ports.js';
import { startPrivateDockerd, type PrivateDockerd } from '../support/private-dockerd.js';
import {
  startKubeletProcessMember,
  type KubeletProcessMember,
} from '../support/kubelet-process-member.js';

const run = promisify(execFile);
const NODE = 'dfaults-node-1';
const NODE_IP = '127.0.83.1';
const REPLICAS = 2;
let docker: PrivateDockerd | undefined;
let member: KubeletProcessMember | undefined;

/** A pod as the invariants see it. */
interface PodView {
  uid: string;
  podIP: string;
  containerId: string;
  restartCount: number;
  ready: boolean;
  startTime: string;
}

function m(): KubeletProcessMember {
  if (!member) throw new Error('member not started');
  return member;
}

async function pods(): Promise<Map<string, PodView>> {
  const list = await m().admin.resource<Pod>(PODS, 'default').list({ labelSelector: 'app=web' });
  const out = new Map<string, PodView>();
  for (const p of list.items) {
    const cs = p.status?.containerStatuses?.[0];
    out.set(p.metadata.name ?? '', {
      uid: p.metadata.uid ?? '',
      podIP: p.status?.podIP ?? '',
      containerId: (cs?.containerID ?? '').replace(/^docker:\/\//, ''),
      restartCount: cs?.restartCount ?? -1,
      ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      startTime: p.status?.startTime ?? '',
    });
  }
  return out;
}

/** This node's containers in the daemon, by the kubelet's labels: pod uid → [id, state]. */
async function containers(): Promise<Map<string, [string, string][]>> {
  const { stdout } = await run(
    'docker',
    [
      'ps',
      '-a',
      '--no-trunc',
      '--filter',
      `label=io.flotilla.node=${NODE}`,
      '--filter',
      `label=io.flotilla.cluster.id=${m().clusterId}`,
      '--format',
      '{{.ID}} {{.Label "io.flotilla.pod.uid"}} {{.State}}',
    ],
    { env: docker?.env, timeout: 20_000 },
  );
  const out = new Map<string, [string, string][]>();
  for (const line of stdout.split('\n').filter((l) => l !== '')) {
    const [id = '', uid = '', state = ''] = line.split(' ');
    out.set(uid, [...(out.get(uid) ?? []), [id, state]]);
  }
  return out;
}

/** The Service's ready endpoint addresses, sorted. */
async function endpoints(): Promise<string[]> {
  const ep = await m().admin.resource<Endpoints>(ENDPOINTS, 'default').get('web');
  return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
}

/** The real curl to a pod address (127.x): fails on any HTTP or connect error. */
async function curl(ip: string): Promise<string> {
  const url = `http://${ip}:8080/`;
  return (await run('curl', ['-sS', '--fail', '--max-time', '5', url], { timeout: 10_000 })).stdout;
}

async function readyReplicas(): Promise<number> {
  const d = await m().admin.resource<Deployment>(DEPLOYMENTS, 'default').get('web');
  return d.status?.readyReplicas ?? 0;
}

/**
 * Every pod Ready with exactly one running container (and at most its previous run, exited), the
 * Deployment ready: the steady state.
 */
async function steady(): Promise<Map<string, PodView>> {
  let view = new Map<string, PodView>();
  await waitFor(
    'the Deployment steady',
    async () => {
      view = await pods();
      const cs = await containers();
      return (
        view.size === REPLICAS &&
        [...view.values()].every((p) => {
          const mine = cs.get(p.uid) ?? [];
          const running = mine.filter(([, state]) => state === 'running');
          return p.ready && running.length === 1 && mine.length <= 2;
        }) &&
        (await readyReplicas()) === REPLICAS &&
        (await endpoints()).length === REPLICAS
      );
    },
    60_000,
    250,
  );
  return view;
}

beforeAll(async () => {
  docker = await startPrivateDockerd();
  // a tag other than latest and IfNotPresent: nothing is ever pulled
  const image = buildBusyboxImage(docker.socketPath, 'flotilla/busybox:faults');
  member = await startKubeletProcessMember({
    name: 'dfaults',
    nodeName: NODE,
    nodeIp: NODE_IP,
    dockerSocket: docker.socketPath,
  });
  await m()
    .admin.resource<Deployment>(DEPLOYMENTS, 'default')
    .create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'httpd',
                image,
                imagePullPolicy: 'IfNotPresent',
                // exits at once on SIGTERM: deletes and daemon stops never wait for the grace
                command: ['/bin/sh', '-c', "trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"],
                ports: [{ containerPort: 8080, name: 'http' }],
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    });
  await m()
    .admin.resource<Service>(SERVICES, 'default')
    .create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
});

afterAll(async () => {
  await member?.stop();
  await docker?.destroy();
});

describe('faults on a member with real containers', () => {
  it('dockerd restarted: the kubelet reconnects and restarts the dead containers once each', async () => {
    const before = await steady();
    const kubelet = m().kubelet();
    const d = docker;
    if (!d) throw new Error('dockerd not started');
    await d.stop();
    // the kubelet syncs (and fails to reach the daemon) a few times meanwhile
    await new Promise((r) => setTimeout(r, 2000));
    await d.start();
    // the same pods (not replaced), each container restarted exactly once
    await waitFor(
      'every pod restarted once and Ready',
      async () => {
        const now = await pods();
        return [...before].every(([name, b]) => {
          const p = now.get(name);
          return p?.ready === true && p.restartCount === b.restartCount + 1;
        });
      },
      60_000,
      250,
    );
    const after = await steady();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const cs = await containers();
    expect(cs.size).toBe(REPLICAS);
    for (const [name, b] of before) {
      const a = after.get(name);
      expect(a?.uid).toBe(b.uid);
      expect(a?.restartCount).toBe(b.restartCount + 1);
      expect(a?.containerId).not.toBe(b.containerId);
      // the new container runs, and the dead one stays as the previous run (Kubernetes keeps one
      // dead container per container: logs --previous, lastState), nothing else
      const mine = cs.get(b.uid) ?? [];
      expect(mine.filter(([, state]) => state === 'running')).toEqual([
        [a?.containerId, 'running'],
      ]);
      expect(mine.map(([id, state]) => [id === b.containerId, state])).toContainEqual([
        true,
        'exited',
      ]);
      expect(mine).toHaveLength(2);
      // the pod keeps its address, and serves there again
      expect(a?.podIP).toBe(b.podIP);
      expect(await curl(a?.podIP ?? '')).toContain('hello from flotilla');
    }
    expect(await endpoints()).toEqual([...before.values()].map((p) => p.podIP).sort());
    expect(await readyReplicas()).toBe(REPLICAS);
    expect((await m().node()).ready).toBe('True');
    // the same kubelet process lived through it
    expect(m().kubelet()).toBe(kubelet);
    expect(kubelet.child.exitCode).toBeNull();
    expect(kubelet.child.signalCode).toBeNull();
    expect(kubelet.out()).not.toMatch(/unhandled|uncaught/i);
  });

  it('kill -9 of the kubelet: the restarted kubelet adopts the running containers', async () => {
    const before = await steady();
    const ips = [...before.values()].map((p) => p.podIP).sort();
    const eps = await endpoints();
    expect(eps).toEqual(ips);
    const dead = m().kubelet();
    dead.child.kill('SIGKILL');
    await dead.exited;
    expect(dead.child.signalCode).toBe('SIGKILL');
    // the data plane does not need the kubelet: the pods still serve
    for (const ip of ips) expect(await curl(ip)).toContain('hello from flotilla');
    const port = await m().startKubelet();
    // the new kubelet is up once its heartbeat names its own API port
    await waitFor('the new kubelet heartbeat', async () => (await m().node()).port === port);
    // then it syncs every pod each second: watch the invariants for 5 s
    const violations = new Set<string>();
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const [now, cs, ep] = await Promise.all([pods(), containers(), endpoints()]);
      for (const [name, b] of before) {
        const seen = JSON.stringify(now.get(name));
        if (seen !== JSON.stringify(b)) violations.add(`${name}: ${JSON.stringify(b)} → ${seen}`);
        // the running one adopted, not replaced; the previous run (exited) may stay beside it
        const mine = cs.get(b.uid) ?? [];
        const running = mine.filter(([, state]) => state === 'running');
        if (running.length !== 1 || running[0]?.[0] !== b.containerId || mine.length > 2) {
          violations.add(`${name} containers: ${JSON.stringify(mine)}`);
        }
      }
      if (JSON.stringify(ep) !== JSON.stringify(ips)) violations.add(`endpoints: ${String(ep)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([...violations]).toEqual([]);
    expect((await containers()).size).toBe(REPLICAS);
    for (const ip of ips) expect(await curl(ip)).toContain('hello from flotilla');
    expect(await readyReplicas()).toBe(REPLICAS);
    expect((await m().node()).ready).toBe('True');
    const alive = m().kubelet();
    expect(alive).not.toBe(dead);
    expect(alive.child.exitCode).toBeNull();
    expect(alive.out()).not.toMatch(/unhandled|uncaught/i);
  });
});
