/**
 * Member benchmarks:
 *  - scheduler throughput on 1,000 hollow nodes (pods bound per second), against the API server's
 *    raw pod-create rate measured in the same run. The nodes are bare Node objects with Ready
 *    status and allocatable resources, without kubelets: pods are bound but never run, so this is
 *    the scheduler's throughput alone. The API server runs in a process of its own, the scheduler
 *    in this one (`BENCH_INPROCESS_APISERVER=1`: both in this one). `BENCH_SKIP_DOCKER=1` runs
 *    only this part; `BENCH_CPU_PROF=<dir>` writes CPU profiles there: the API server's during
 *    the create and the scheduling phases (`apiserver-create-<N>n`, `apiserver-scheduler-<N>n`)
 *    and this process's during the scheduling phase (`scheduler-<N>n`);
 *  - pod startup latency p50/p99 with real Docker (create → Running seen on a watch), against
 *    dockerode create+start of the same image, one of each in turn with the member running.
 */
import Docker from 'dockerode';
import { join, resolve } from 'node:path';
import { ApiServer } from '../../machinery/apiserver/index.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { startEtcd } from '../../hack/lib/services.js';
import { memberResourceTypes, NODES, PODS, podType, type Node, type Pod } from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { bindingHandler, Scheduler } from '../../member/scheduler/index.js';
import { startMemberEnv } from '../support/member-env.js';
import { isMain, percentile, printResults, type BenchResult } from './bench-result.js';
import { startBenchApiServer, startProfile } from './member-bench-apiserver.js';

/** With `BENCH_CPU_PROF=<dir>`: a CPU profile of this process until `<dir>/<name>.cpuprofile`. */
async function profileHere(): Promise<((name: string) => Promise<void>) | undefined> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return undefined;
  const stop = await startProfile();
  return (name) => stop(join(resolve(dir), `${name}.cpuprofile`));
}

/**
 * The bench's API server: by default a process of its own (member-bench-apiserver.ts), as the
 * scheduler and the API server are deployed; `BENCH_INPROCESS_APISERVER=1` runs it in this
 * process (the layout of the figures before 2026-11-30, where both shared one event loop).
 */
async function benchApiServer(etcdEndpoint: string): Promise<{
  url: string;
  /** A process of its own (else this one). */
  separate: boolean;
  /** Starts a CPU profile of the API server's process; the result writes it. */
  profile: () => Promise<(name: string) => Promise<void>>;
  stop(): Promise<void>;
}> {
  const dir = resolve(process.env.BENCH_CPU_PROF ?? '.');
  if (!process.env.BENCH_INPROCESS_APISERVER) {
    const child = await startBenchApiServer(etcdEndpoint);
    return {
      url: child.url,
      separate: true,
      profile: () => {
        const stop = child.profile();
        return Promise.resolve((name) => stop(join(dir, `apiserver-${name}.cpuprofile`)));
      },
      stop: () => child.stop(),
    };
  }
  const storage = new EtcdStorage({ endpoints: [etcdEndpoint], prefix: '/bench' });
  const server = new ApiServer({ storage, resources: memberResourceTypes });
  server.registerSubresource(podType as unknown as ResourceType, 'binding', bindingHandler);
  return {
    url: await server.listen(0),
    separate: false,
    profile: async () => {
      const stop = await startProfile();
      return (name) => stop(join(dir, `${name}.cpuprofile`));
    },
    stop: async () => {
      await server.close();
      await storage.close();
    },
  };
}

async function schedulerBench(nodes: number, pods: number): Promise<BenchResult> {
  const etcd = await startEtcd();
  const api = await benchApiServer(etcd.endpoint);
  const url = api.url;
  const profiling = process.env.BENCH_CPU_PROF !== undefined;
  const client = new RestClient({ server: url });
  const nc = client.resource<Node>(NODES);
  for (let i = 0; i < nodes; i += 50) {
    // status is a subresource: create the Node, then post its status as a kubelet would
    await Promise.all(
      Array.from({ length: Math.min(50, nodes - i) }, async (_, j) => {
        const n = await nc.create({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: `hollow-${String(i + j)}`,
            labels: { zone: `z${String((i + j) % 3)}` },
          },
          spec: {},
        });
        await nc.updateStatus({
          ...n,
          status: {
            allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
            capacity: { cpu: '8', memory: '32Gi', pods: '110' },
            conditions: [{ type: 'Ready', status: 'True' }],
          },
        });
      }),
    );
  }
  const pc = client.resource<Pod>(PODS, 'default');
  const createProfiler = profiling ? await api.profile() : undefined;
  const t0 = performance.now();
  for (let i = 0; i < pods; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, pods - i) }, (_, j) =>
        pc.create({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `p-${String(i + j)}` },
          spec: {
            containers: [
              { name: 'c', image: 'x:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
            ],
          },
        }),
      ),
    );
  }
  const createRate = pods / ((performance.now() - t0) / 1000);
  await createProfiler?.(`create-${String(nodes)}n`);
  // completion is observed on a watch (exact, and cheap for the in-process API server, unlike
  // listing all pods every few hundred ms); a final list confirms nothing is left unbound
  const listed = await pc.list();
  const unbound = new Set(listed.items.filter((p) => !p.spec.nodeName).map((p) => p.metadata.name));
  const watch = pc.watch({ resourceVersion: listed.metadata.resourceVersion ?? '' });
  const timer = setTimeout(() => {
    watch.stop();
  }, 300_000);
  const ac = new AbortController();
  const sched = new Scheduler({ client: new RestClient({ server: url }), workers: 4 });
  const apiProfiler = profiling && api.separate ? await api.profile() : undefined;
  const profiler = await profileHere();
  const t1 = performance.now();
  const running = sched.run(ac.signal);
  if (unbound.size > 0) {
    for await (const ev of watch) {
      if (ev.type === 'BOOKMARK') continue;
      if (ev.type === 'DELETED' || ev.object.spec.nodeName) {
        unbound.delete(ev.object.metadata.name);
        if (unbound.size === 0) break;
      }
    }
  }
  const schedRate = pods / ((performance.now() - t1) / 1000);
  await profiler?.(`scheduler-${String(nodes)}n`);
  await apiProfiler?.(`scheduler-${String(nodes)}n`);
  clearTimeout(timer);
  watch.stop();
  const left = (await pc.list({ fieldSelector: 'spec.nodeName=' })).items.length;
  if (unbound.size > 0 || left > 0) {
    throw new Error(`scheduler bench: ${String(Math.max(unbound.size, left))} pods still unbound`);
  }
  ac.abort();
  await running;
  client.close();
  await api.stop();
  await etcd.stop();
  return {
    name: `scheduler: ${String(pods)} pods on ${String(nodes)} hollow nodes (Node objects, no kubelets: pods bound, not run)`,
    unit: 'pods/s',
    ours: schedRate,
    reference: createRate,
    referenceName: 'API pod create',
    ratio: schedRate / createRate,
  };
}

async function startupBench(count: number): Promise<BenchResult[]> {
  const env = await startMemberEnv('bench');
  const docker = new Docker({ socketPath: env.docker.socketPath });
  /** The reference: one container created and started straight on dockerd, then removed. */
  const rawStart = async (): Promise<number> => {
    const t = performance.now();
    const c = await docker.createContainer({
      Image: env.image,
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.99.1', HostPort: '0' }] } },
      ExposedPorts: { '8080/tcp': {} },
    });
    await c.start();
    const ms = performance.now() - t;
    await c.remove({ force: true }).catch(() => undefined);
    return ms;
  };
  const m = new MemberCluster({
    name: 'bench',
    etcdEndpoint: env.etcd.endpoint,
    nodes: 2,
    runtime: 'docker',
    dockerSocketPath: env.docker.socketPath,
    nodeAddressPrefix: '127.0.98.',
    kubelet: { syncPeriodMs: 200 },
  });
  await m.start();
  const client = m.client();
  const pc = client.resource<Pod>(PODS, 'default');
  // the first write through a new client to a freshly started API server costs ~0.2 s once
  // (its connection and the server's first create path); one ConfigMap takes it, so that the
  // first pod's figure is its startup and not that warm-up
  await client
    .resource({ group: '', version: 'v1', resource: 'configmaps' }, 'default')
    .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench-warm-up' } });
  // Running is observed on a watch, when the API server delivers the kubelet's status (a poll
  // every 20 ms added up to 20 ms to each figure)
  const running = new Map<string, () => void>();
  const listed = await pc.list();
  const watch = pc.watch({ resourceVersion: listed.metadata.resourceVersion ?? '' });
  const watching = (async () => {
    for await (const ev of watch) {
      if (ev.type === 'BOOKMARK' || !ev.object.status?.containerStatuses?.[0]?.state?.running) {
        continue;
      }
      running.get(ev.object.metadata.name ?? '')?.();
    }
  })();
  const podStart = async (name: string): Promise<number> => {
    const t = performance.now();
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`pod ${name} not Running within 60 s`));
      }, 60_000);
      running.set(name, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await pc.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'c', image: env.image, ports: [{ containerPort: 8080 }] }] },
    });
    await started;
    running.delete(name);
    return performance.now() - t;
  };
  // interleaved, one of each in turn (the order alternating), so that both see the same machine:
  // the member running beside dockerd, and the same drift in between
  const raw: number[] = [];
  const lat: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `s-${String(i)}`;
    if (i % 2 === 0) {
      raw.push(await rawStart());
      lat.push(await podStart(name));
    } else {
      lat.push(await podStart(name));
      raw.push(await rawStart());
    }
  }
  watch.stop();
  await watching;
  for (let i = 0; i < count; i++) await pc.delete(`s-${String(i)}`);
  await new Promise((r) => setTimeout(r, 2000));
  await m.stop();
  for (const c of await docker.listContainers({
    all: true,
    filters: { label: ['io.flotilla.node'] },
  })) {
    // the kubelet's own garbage collection may be removing it already
    if (c.Labels['io.flotilla.node']?.startsWith('bench-')) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  await env.stop();
  return [50, 99].map((p) => ({
    name: `pod startup p${String(p)} (${String(count)} pods, Docker)`,
    unit: 'ms',
    ours: percentile(lat, p),
    reference: percentile(raw, p),
    referenceName: `docker create+start p${String(p)}`,
    ratio: percentile(lat, p) / percentile(raw, p),
  }));
}

/** Sizes of the member benchmarks (the quick mode of run-all.ts passes tiny ones). */
export interface MemberBenchOptions {
  /** Hollow nodes. @defaultValue BENCH_NODES, else 1000 */
  nodes?: number;
  /** Pods to schedule. @defaultValue BENCH_PODS, else 2000 */
  pods?: number;
  /** Pods started on Docker (and raw containers started for the reference). @defaultValue 20 */
  startupPods?: number;
}

/**
 * Runs the member benchmarks. The Docker part starts the project's dockerd only when it is not
 * running, and then stops it again (ensureDockerd); a running one is left alone.
 */
export async function runMemberBench(opts: MemberBenchOptions = {}): Promise<BenchResult[]> {
  const nodes = opts.nodes ?? Number(process.env.BENCH_NODES ?? 1000);
  const pods = opts.pods ?? Number(process.env.BENCH_PODS ?? 2000);
  return [
    await schedulerBench(nodes, pods),
    ...(process.env.BENCH_SKIP_DOCKER ? [] : await startupBench(opts.startupPods ?? 20)),
  ];
}

if (isMain(import.meta.url)) printResults(await runMemberBench());
