import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger } from '../../machinery/controller/index.js';
import {
  CONFIGMAPS,
  EVENTS,
  NODES,
  PODS,
  SECRETS,
  type Container,
  type ContainerStatus,
  type Event,
  type Node,
  type Pod,
  type PodStatus,
} from '../../api/index.js';
import { FakeKubeClient } from '../controllers/testing/fake-kube-client.js';
import {
  LABEL_CLUSTER,
  LABEL_CONTAINER,
  LABEL_NODE,
  LABEL_POD_IP,
  LABEL_POD_UID,
  type ContainerRuntime,
  type ContainerSpec,
  type RuntimeContainer,
} from './container-runtime.js';
import { ImagePullError } from './errors/image-pull-error.js';
import { Kubelet, needsSync } from './kubelet.js';

/** A runtime driven by the test: scripted exec results, pull failures, exits at a given time. */
class ScriptedRuntime implements ContainerRuntime {
  readonly containers = new Map<string, RuntimeContainer & { spec: ContainerSpec }>();
  readonly execResults: number[] = [];
  readonly missingImages = new Set<string>();
  /** Images pulled so far (none is present before its first pull). */
  readonly present = new Set<string>();
  pulls = 0;
  private ids = 0;
  private readonly clock: () => number;

  constructor(clock: () => number) {
    this.clock = clock;
  }

  hasImage(image: string): Promise<boolean> {
    return Promise.resolve(this.present.has(image));
  }
  pullImage(image: string): Promise<void> {
    this.pulls++;
    if (this.missingImages.has(image)) {
      return Promise.reject(new ImagePullError(image, new Error('manifest unknown')));
    }
    this.present.add(image);
    return Promise.resolve();
  }
  create(spec: ContainerSpec): Promise<string> {
    const id = `c${String(++this.ids)}`;
    this.containers.set(id, {
      id,
      labels: spec.labels,
      image: spec.image,
      imageId: 'sha256:x',
      running: false,
      createdAt: this.ids,
      spec,
    });
    return Promise.resolve(id);
  }
  start(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c) {
      c.running = true;
      c.startedAt = new Date(this.clock()).toISOString();
    }
    return Promise.resolve();
  }
  stop(id: string): Promise<void> {
    this.exit(id, 137, 0);
    return Promise.resolve();
  }
  /** The container exits with `code` after having run `ranMs`. */
  exit(id: string, code: number, ranMs: number): void {
    const c = this.containers.get(id);
    if (!c?.running) return;
    c.running = false;
    c.exitCode = code;
    c.finishedAt = new Date(Date.parse(c.startedAt ?? '') + ranMs).toISOString();
  }
  remove(id: string): Promise<void> {
    this.containers.delete(id);
    return Promise.resolve();
  }
  list(labels: Record<string, string>): Promise<RuntimeContainer[]> {
    return Promise.resolve(
      [...this.containers.values()].filter((c) =>
        Object.entries(labels).every(([k, v]) => c.labels[k] === v),
      ),
    );
  }
  logs(): Promise<string> {
    return Promise.resolve('');
  }
  exec(): Promise<number> {
    return Promise.resolve(this.execResults.shift() ?? 0);
  }
  running(): (RuntimeContainer & { spec: ContainerSpec })[] {
    return [...this.containers.values()].filter((c) => c.running);
  }
}

/** The pod's events as [reason, message, count], in creation order. */
async function events(client: FakeKubeClient): Promise<[string, string, number][]> {
  const list = (await client.resource<Event>(EVENTS, 'default').list()).items;
  for (const e of list) {
    expect(e.involvedObject).toMatchObject({
      kind: 'Pod',
      name: 'p',
      uid: 'uid-p',
      fieldPath: 'spec.containers{c}',
    });
    expect(e.source).toEqual({ component: 'kubelet', host: 'n1' });
  }
  return list.map((e) => [e.reason ?? '', e.message ?? '', e.count ?? 0]);
}

interface Harness {
  client: FakeKubeClient;
  runtime: ScriptedRuntime;
  kubelet: Kubelet;
  advance(ms: number): void;
  /** One sync of pod p, then its (only) container status. */
  sync(): Promise<ContainerStatus | undefined>;
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

// Back-off delays are minutes of fake time, so the kubelet's own delayed re-syncs (real timers)
// never fire during a test and every sync below is the test's own.
async function start(
  c: Partial<Container>,
  missingImages: string[] = [],
  opts: {
    /** The Node's podCIDR; none: the node IPAM controller has not set it. */
    podCIDR?: string | null;
    /** The pod's status before the kubelet starts (a restarted kubelet's pod). */
    status?: PodStatus;
    hostNetwork?: boolean;
  } = {},
): Promise<Harness> {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = (): number => now;
  const client = new FakeKubeClient();
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'uid-p' },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c', image: 'busybox:1', ...c }],
      ...(opts.hostNetwork ? { hostNetwork: true } : {}),
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
  client.seed(PODS, pod);
  const podCIDR = opts.podCIDR === undefined ? '127.128.0.0/26' : opts.podCIDR;
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    spec: podCIDR === null ? {} : { podCIDR, podCIDRs: [podCIDR] },
  };
  client.seed(NODES, node);
  const runtime = new ScriptedRuntime(clock);
  for (const i of missingImages) runtime.missingImages.add(i);
  const kubelet = new Kubelet({
    client,
    nodeName: 'n1',
    clusterId: 'cluster-a',
    nodeAddress: '127.0.5.1',
    runtime,
    heartbeatMs: 600_000,
    syncPeriodMs: 600_000,
    crashLoopBaseMs: 60_000,
    crashLoopMaxMs: 240_000,
    crashLoopResetMs: 600_000,
    imagePullBaseMs: 60_000,
    imagePullMaxMs: 240_000,
    now: clock,
    logger: consoleLogger('kubelet-test', true),
  });
  const abort = new AbortController();
  const done = kubelet.run(abort.signal);
  stop = async () => {
    abort.abort();
    await done;
  };
  const status = (): ContainerStatus | undefined =>
    client.stored<Pod>(PODS, 'default', 'p')?.status?.containerStatuses?.[0];
  // the first sync (from the informer's add) has run once the pod has a status
  await expect.poll(() => status(), { timeout: 10_000 }).toBeDefined();
  return {
    client,
    runtime,
    kubelet,
    advance: (ms) => {
      now += ms;
    },
    sync: async () => {
      await kubelet.syncPod('default/p');
      await kubelet.eventsWritten();
      return status();
    },
  };
}

describe('Kubelet', () => {
  it("garbage-collects only its own cluster's containers: another cluster's node of the same name shares the runtime", async () => {
    const h = await start({});
    const container = (cluster: string, podUid: string): ContainerSpec => ({
      name: 'x',
      image: 'busybox:1',
      env: {},
      labels: {
        [LABEL_POD_UID]: podUid,
        [LABEL_CONTAINER]: 'x',
        [LABEL_NODE]: 'n1',
        [LABEL_CLUSTER]: cluster,
      },
      ports: [],
    });
    const foreign = await h.runtime.create(container('cluster-b', 'uid-of-cluster-b'));
    const orphan = await h.runtime.create(container('cluster-a', 'uid-deleted'));
    await h.runtime.start(foreign);
    await h.runtime.start(orphan);
    await h.kubelet.collectGarbage();
    expect(h.runtime.containers.has(foreign)).toBe(true);
    expect(h.runtime.containers.has(orphan)).toBe(false);
    // the pod's own container carries the cluster id and survives
    expect(
      h.runtime.running().map((c) => [c.labels[LABEL_POD_UID], c.labels[LABEL_CLUSTER]]),
    ).toEqual([
      ['uid-p', 'cluster-a'],
      ['uid-of-cluster-b', 'cluster-b'],
    ]);
  });

  it('keeps a container waiting in CreateContainerConfigError until its ConfigMap and Secret exist', async () => {
    const h = await start({
      envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }],
      env: [
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'OPT', valueFrom: { secretKeyRef: { name: 'none', key: 'x', optional: true } } },
      ],
    });
    expect((await h.sync())?.state?.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'configmap "cfg" not found',
    });
    expect(h.runtime.containers.size).toBe(0);
    h.client.seed(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'default' },
      data: { mode: 'blue' },
    });
    expect((await h.sync())?.state?.waiting?.message).toBe('secret "creds" not found');
    h.client.seed(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'default' },
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
    expect((await h.sync())?.state?.running).toBeDefined();
    expect(h.runtime.running().map((c) => c.spec.env)).toEqual([
      { CFG_mode: 'blue', PASS: 's3cret' },
    ]);
  });

  it('gives the pod an address from the Node podCIDR and publishes its ports there', async () => {
    const h = await start({
      ports: [
        { containerPort: 8080, name: 'http' },
        { containerPort: 53, protocol: 'UDP', hostPort: 5353 },
      ],
      env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    });
    // .0 is the network address and .1 the gateway: the first pod address is .2
    const status = h.client.stored<Pod>(PODS, 'default', 'p')?.status;
    expect(status).toMatchObject({
      hostIP: '127.0.5.1',
      podIP: '127.128.0.2',
      podIPs: [{ ip: '127.128.0.2' }],
    });
    const [c] = h.runtime.running();
    expect(c?.spec.ports).toEqual([
      { containerPort: 8080, protocol: 'TCP', hostIp: '127.128.0.2', hostPort: 8080 },
      { containerPort: 53, protocol: 'UDP', hostIp: '127.128.0.2', hostPort: 53 },
      { containerPort: 53, protocol: 'UDP', hostIp: '127.0.5.1', hostPort: 5353 },
    ]);
    expect(c?.spec.env).toEqual({ IP: '127.128.0.2' });
    expect(c?.labels[LABEL_POD_IP]).toBe('127.128.0.2');
  });

  it('keeps the address a pod already has (a restarted kubelet)', async () => {
    const h = await start({}, [], { status: { phase: 'Running', podIP: '127.128.0.40' } });
    expect(h.client.stored<Pod>(PODS, 'default', 'p')?.status?.podIP).toBe('127.128.0.40');
    expect(h.runtime.running()[0]?.labels[LABEL_POD_IP]).toBe('127.128.0.40');
  });

  it('gives a hostNetwork pod the node address', async () => {
    const h = await start({ ports: [{ containerPort: 9000 }] }, [], { hostNetwork: true });
    expect(h.client.stored<Pod>(PODS, 'default', 'p')?.status?.podIP).toBe('127.0.5.1');
    expect(h.runtime.running()[0]?.spec.ports).toEqual([
      { containerPort: 9000, protocol: 'TCP', hostIp: '127.0.5.1', hostPort: 9000 },
    ]);
  });

  it('keeps the pod Pending, without an address, until the Node has a podCIDR', async () => {
    const h = await start({}, [], { podCIDR: null });
    const status = h.client.stored<Pod>(PODS, 'default', 'p')?.status;
    expect(status?.phase).toBe('Pending');
    expect(status?.podIP).toBeUndefined();
    expect(status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    expect(h.runtime.containers.size).toBe(0);
    await h.sync();
    const list = (await h.client.resource<Event>(EVENTS, 'default').list()).items;
    expect(list.map((e) => [e.reason, e.count])).toEqual([['NetworkNotReady', 1]]);
  });

  it('honours readiness successThreshold and failureThreshold', async () => {
    const h = await start({
      readinessProbe: {
        exec: { command: ['true'] },
        periodSeconds: 1,
        successThreshold: 2,
        failureThreshold: 2,
      },
    });
    h.runtime.execResults.push(0, 0, 1, 0, 1, 1);
    const ready: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      h.advance(1000);
      ready.push((await h.sync())?.ready ?? false);
    }
    expect(ready).toEqual([false, true, true, true, true, false]);
  });

  it('restarts after liveness failureThreshold consecutive failures only', async () => {
    const h = await start({
      livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 2 },
    });
    h.runtime.execResults.push(1, 0, 1, 1);
    const running: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      h.advance(1000);
      running.push((await h.sync())?.state?.running !== undefined);
    }
    expect(running).toEqual([true, true, true, false]);
    expect((await h.sync())?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    h.advance(60_000);
    const s = await h.sync();
    expect([s?.restartCount, s?.state?.running !== undefined]).toEqual([1, true]);
  });

  it('doubles CrashLoopBackOff up to the max and resets it after a long healthy run', async () => {
    const h = await start({ command: ['false'] });
    const crash = async (ranMs: number): Promise<string | undefined> => {
      const [c] = h.runtime.running();
      h.runtime.exit(c?.id ?? '', 1, ranMs);
      const s = await h.sync();
      return s?.state?.waiting?.message;
    };
    const restart = async (afterMs: number): Promise<number | undefined> => {
      h.advance(afterMs - 1);
      expect((await h.sync())?.state?.waiting?.reason).toBe('CrashLoopBackOff');
      h.advance(1);
      const s = await h.sync();
      expect(s?.state?.running).toBeDefined();
      return s?.restartCount;
    };
    expect(await crash(1000)).toMatch(/^back-off 60s restarting failed container=c pod=p$/);
    expect(await restart(60_000)).toBe(1);
    expect(await crash(1000)).toMatch(/^back-off 120s/);
    expect(await restart(120_000)).toBe(2);
    expect(await crash(1000)).toMatch(/^back-off 240s/);
    expect(await restart(240_000)).toBe(3);
    expect(await crash(1000)).toMatch(/^back-off 240s/); // capped
    expect(await restart(240_000)).toBe(4);
    expect(await crash(600_000)).toMatch(/^back-off 60s/); // ran 10 minutes: reset
    expect(await restart(60_000)).toBe(5);
  });

  it('keeps one dead run per container and reports it as lastState', async () => {
    const h = await start({ command: ['false'] });
    const crashAndRestart = async (code: number): Promise<ContainerStatus | undefined> => {
      const [c] = h.runtime.running();
      h.runtime.exit(c?.id ?? '', code, 1000);
      const waiting = await h.sync();
      // waiting for the restart: the run that just exited is the last state
      expect(waiting?.lastState?.terminated).toMatchObject({ exitCode: code, reason: 'Error' });
      expect(waiting?.lastState?.terminated?.containerID).toBe(`docker://${c?.id ?? ''}`);
      h.advance(600_000);
      return h.sync();
    };
    expect((await h.sync())?.lastState).toBeUndefined();
    const first = await crashAndRestart(3);
    expect(first?.state?.running).toBeDefined();
    expect(first?.lastState?.terminated?.exitCode).toBe(3);
    const second = await crashAndRestart(4);
    expect(second?.lastState?.terminated?.exitCode).toBe(4);
    // the running one and the run before it; the first run is gone
    const left = await h.runtime.list({});
    expect(left.map((c) => [c.running, c.exitCode])).toEqual([
      [false, 4],
      [true, undefined],
    ]);
  });

  it('backs off image pulls: ErrImagePull, then ImagePullBackOff with a doubling delay', async () => {
    const missing = 'registry.invalid/none:1';
    const h = await start({ image: missing }, [missing]);
    const seen: [string | undefined, number][] = [];
    const step = async (ms: number): Promise<void> => {
      h.advance(ms);
      seen.push([(await h.sync())?.state?.waiting?.reason, h.runtime.pulls]);
    };
    await step(0);
    await step(59_999);
    await step(1); // first period over: pull again, fails, waits 120 s
    await step(119_999);
    h.runtime.missingImages.delete(missing);
    await step(1);
    expect(seen).toEqual([
      ['ImagePullBackOff', 1],
      ['ImagePullBackOff', 1],
      ['ErrImagePull', 2],
      ['ImagePullBackOff', 2],
      [undefined, 3],
    ]);
    expect(h.runtime.running()).toHaveLength(1);
  });

  it('records Pulling, Failed and BackOff events for a failing pull, counting repeats', async () => {
    const missing = 'registry.invalid/none:1';
    const h = await start({ image: missing }, [missing]);
    await h.sync(); // still in the first back-off period: no second BackOff
    h.advance(60_000);
    await h.sync(); // pull again: fails again (same messages: counted)
    h.advance(1);
    await h.sync(); // second back-off period
    const err = `failed to pull image "${missing}": manifest unknown`;
    expect(await events(h.client)).toEqual([
      ['Pulling', `Pulling image "${missing}"`, 2],
      ['Failed', err, 2],
      ['Failed', 'Error: ErrImagePull', 2],
      ['BackOff', `Back-off pulling image "${missing}"`, 2],
      ['Failed', 'Error: ImagePullBackOff', 2],
    ]);
  });

  it('records Created, Started and one BackOff per crash-loop period; a restart finds the image present', async () => {
    const h = await start({ command: ['false'] });
    const crash = async (): Promise<void> => {
      const [c] = h.runtime.running();
      h.runtime.exit(c?.id ?? '', 1, 1000);
      await h.sync();
      await h.sync();
    };
    await crash();
    h.advance(60_000);
    await h.sync(); // restarted
    await crash();
    expect(await events(h.client)).toEqual([
      ['Pulling', 'Pulling image "busybox:1"', 1],
      ['Pulled', 'Successfully pulled image "busybox:1" in 0.000s', 1],
      ['Created', 'Created container c', 2],
      ['Started', 'Started container c', 2],
      ['BackOff', 'Back-off restarting failed container c in pod p_default(uid-p)', 2],
      ['Pulled', 'Container image "busybox:1" already present on machine', 1],
    ]);
    expect(h.runtime.pulls).toBe(1);
  });

  it('pulls an image already present when the policy is Always', async () => {
    const h = await start({ command: ['false'], imagePullPolicy: 'Always' });
    const [c] = h.runtime.running();
    h.runtime.exit(c?.id ?? '', 1, 1000);
    await h.sync();
    h.advance(60_000);
    await h.sync(); // restarted: pulled again
    expect(h.runtime.pulls).toBe(2);
    expect((await events(h.client)).filter(([r]) => r === 'Pulling')).toEqual([
      ['Pulling', 'Pulling image "busybox:1"', 2],
    ]);
  });

  it('records Unhealthy for every failed probe and Killing when liveness fails', async () => {
    const h = await start({
      readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 },
      livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1, failureThreshold: 2 },
    });
    h.runtime.execResults.push(1, 1, 0, 1);
    h.advance(1000);
    await h.sync();
    h.advance(1000);
    await h.sync();
    const probe = (await events(h.client)).filter(([r]) => r === 'Unhealthy' || r === 'Killing');
    expect(probe).toEqual([
      ['Unhealthy', 'Readiness probe failed: command ["ready"] exited with code 1', 1],
      ['Unhealthy', 'Liveness probe failed: command ["alive"] exited with code 1', 2],
      ['Killing', 'Container c failed liveness probe, will be restarted', 1],
    ]);
  });

  it('relists the node once per period and syncs only pods whose containers changed or that need watching', async () => {
    // a pod the API already shows Running and ready (what the informer holds; the fake client's
    // watches are idle, so the kubelet's own status writes do not reach it)
    const ready: PodStatus = {
      phase: 'Running',
      podIP: '127.128.0.40',
      containerStatuses: [
        {
          name: 'c',
          ready: true,
          restartCount: 0,
          image: 'busybox:1',
          imageID: 'sha256:x',
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        },
      ],
    };
    const h = await start({}, [], { status: ready });
    const synced = vi.spyOn(h.kubelet, 'syncPod');
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));
    // the first relist sees the container for the first time (and is the full sync)
    await h.kubelet.relist();
    await expect.poll(() => synced.mock.calls.length).toBe(1);
    // nothing changed: no sync
    await h.kubelet.relist();
    await settle();
    expect(synced).toHaveBeenCalledTimes(1);
    // the container exits: the next relist syncs the pod, which restarts it
    const [c] = h.runtime.running();
    h.runtime.exit(c?.id ?? '', 1, 1000);
    await h.kubelet.relist();
    await expect.poll(() => synced.mock.calls.length).toBe(2);
  });

  it('needs a sync on every relist unless Running and ready without probes, or finished', () => {
    const pod = (spec: Partial<Pod['spec']>, status?: PodStatus): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
      ...(status ? { status } : {}),
    });
    const running = (ready: boolean): PodStatus => ({
      phase: 'Running',
      containerStatuses: [
        { name: 'c', ready, restartCount: 0, image: 'i', imageID: '', state: { running: {} } },
      ],
    });
    expect(needsSync(pod({}, running(true)))).toBe(false);
    expect(needsSync(pod({}, { phase: 'Succeeded' }))).toBe(false);
    expect(needsSync(pod({}, running(false)))).toBe(true);
    expect(needsSync(pod({}))).toBe(true);
    expect(needsSync(pod({}, { phase: 'Pending' }))).toBe(true);
    const probed = { name: 'c', image: 'i', readinessProbe: { exec: { command: ['ok'] } } };
    expect(needsSync(pod({ containers: [probed] }, running(true)))).toBe(true);
    const deleting = pod({}, running(true));
    deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(needsSync(deleting)).toBe(true);
  });
});
