import { objectKey, splitKey } from '../../federation/apis/meta.js';
import type { KubeClient } from '../../federation/machinery/client/kube-client.js';
import { consoleLogger, type Logger } from '../../federation/machinery/controller/index.js';
import {
  AlreadyExistsError,
  ConflictError,
  NotFoundError,
} from '../../federation/machinery/errors/index.js';
import { InformerFactory } from '../../federation/machinery/informer/index.js';
import { WorkQueue } from '../../federation/machinery/workqueue/index.js';
import { freePort } from '../../federation/machinery/util/free-port.js';
import {
  LEASES,
  NODES,
  PODS,
  type Container,
  type Lease,
  type Node,
  type Pod,
} from '../apis/index.js';
import { HOST_PORTS_ANNOTATION } from '../controllers/host-ports.js';
import { parseCpu, parseMemory } from '../scheduler/quantity.js';
import {
  LABEL_CONTAINER,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTARTS,
  type ContainerRuntime,
  type RuntimeContainer,
} from './container-runtime.js';
import { ImagePullError } from './errors/image-pull-error.js';
import { computePodStatus } from './pod-status.js';
import { newPodState, type PodState } from './pod-state.js';
import { runProbe } from './probes.js';

/** Options for {@link Kubelet}. */
export interface KubeletOptions {
  client: KubeClient;
  nodeName: string;
  /** The node's loopback address (127.0.N.M): ports are published here; it is also the pod IP. */
  nodeAddress: string;
  runtime: ContainerRuntime;
  capacity?: { cpu?: string; memory?: string; pods?: string };
  labels?: Record<string, string>;
  /** Lease renew and node status interval. @defaultValue 10000 */
  heartbeatMs?: number;
  /** Full resync of all pods. @defaultValue 1000 */
  syncPeriodMs?: number;
  /** CrashLoopBackOff: first delay, doubled up to the max. @defaultValue 10000 / 300000 */
  crashLoopBaseMs?: number;
  crashLoopMaxMs?: number;
  logger?: Logger;
}

/**
 * The node agent: registers its Node, renews its Lease, and keeps the containers of the pods bound
 * to it in line with their specs (pull, create, start, restart with backoff, probes, status, cleanup).
 */
export class Kubelet {
  readonly nodeName: string;
  private readonly opts: KubeletOptions;
  private readonly informers: InformerFactory;
  private readonly queue = new WorkQueue();
  private readonly states = new Map<string, PodState>();
  private readonly log: Logger;

  constructor(opts: KubeletOptions) {
    this.opts = opts;
    this.nodeName = opts.nodeName;
    this.log = opts.logger ?? consoleLogger(`kubelet ${opts.nodeName}`, true);
    this.informers = new InformerFactory(opts.client);
    const pods = this.podInformer();
    pods.addEventHandler({
      onAdd: (p) => this.queue.add(objectKey(p)),
      onUpdate: (_o, n) => this.queue.add(objectKey(n)),
      onDelete: (p) => this.queue.add(objectKey(p)),
    });
  }

  private podInformer() {
    return this.informers.for<Pod>(PODS, { fieldSelector: `spec.nodeName=${this.nodeName}` });
  }

  /** Registers the node and runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.registerNode();
    this.informers.start(signal);
    await this.podInformer().waitForSync(signal);
    const stop = (): void => this.queue.shutDown();
    signal.addEventListener('abort', stop);
    const timers = [
      setInterval(
        () => void this.heartbeat().catch((e: unknown) => this.log.warn(`heartbeat: ${String(e)}`)),
        this.opts.heartbeatMs ?? 10_000,
      ),
      setInterval(() => {
        for (const p of this.podInformer().list()) this.queue.add(objectKey(p));
        void this.collectGarbage().catch((e: unknown) => this.log.warn(`gc: ${String(e)}`));
      }, this.opts.syncPeriodMs ?? 1000),
    ];
    await this.heartbeat().catch(() => undefined);
    await Promise.all(Array.from({ length: 4 }, () => this.worker()));
    for (const t of timers) clearInterval(t);
    await this.informers.stopped();
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.syncPod(key);
        this.queue.forget(key);
      } catch (err) {
        if (!(err instanceof ConflictError)) {
          this.log.warn(`sync ${key}: ${err instanceof Error ? err.message : String(err)}`);
        }
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private nodeObject(existing?: Node): Node {
    const cap = {
      cpu: this.opts.capacity?.cpu ?? '4',
      memory: this.opts.capacity?.memory ?? '8Gi',
      pods: this.opts.capacity?.pods ?? '110',
    };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const prevReady = existing?.status?.conditions?.find((c) => c.type === 'Ready');
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: this.nodeName,
        labels: {
          ...(existing?.metadata.labels ?? {}),
          'kubernetes.io/hostname': this.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          ...(this.opts.labels ?? {}),
        },
      },
      spec: existing?.spec ?? {},
      status: {
        capacity: cap,
        allocatable: cap,
        addresses: [
          { type: 'InternalIP', address: this.opts.nodeAddress },
          { type: 'Hostname', address: this.nodeName },
        ],
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime:
              prevReady?.status === 'True' && prevReady.lastTransitionTime
                ? prevReady.lastTransitionTime
                : now,
          },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.0-flotilla',
          containerRuntimeVersion: this.opts.runtime.constructor.name,
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
  }

  private async registerNode(): Promise<void> {
    const nodes = this.opts.client.resource<Node>(NODES);
    try {
      const created = await nodes.create(this.nodeObject());
      await nodes.updateStatus({ ...created, status: this.nodeObject().status ?? {} });
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      const cur = await nodes.get(this.nodeName);
      const next = this.nodeObject(cur);
      await nodes.update({
        ...next,
        metadata: {
          ...next.metadata,
          ...(cur.metadata.resourceVersion
            ? { resourceVersion: cur.metadata.resourceVersion }
            : {}),
        },
      });
    }
  }

  /** Renews the Lease and posts Ready node status. */
  async heartbeat(): Promise<void> {
    const leases = this.opts.client.resource<Lease>(LEASES, 'kube-node-lease');
    const renewTime = new Date().toISOString().replace('Z', '000Z');
    try {
      await leases.patch(
        this.nodeName,
        { spec: { renewTime, holderIdentity: this.nodeName } },
        'merge',
      );
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.nodeName, namespace: 'kube-node-lease' },
        spec: { holderIdentity: this.nodeName, leaseDurationSeconds: 40, renewTime },
      });
    }
    const nodes = this.opts.client.resource<Node>(NODES);
    const cur = await nodes.get(this.nodeName);
    const next = this.nodeObject(cur);
    await nodes.updateStatus({ ...cur, status: next.status ?? {} });
  }

  private state(pod: Pod): PodState {
    const uid = pod.metadata.uid ?? '';
    let s = this.states.get(uid);
    if (!s) {
      s = newPodState(new Date());
      this.states.set(uid, s);
    }
    return s;
  }

  private async ensureHostPorts(pod: Pod, state: PodState): Promise<void> {
    let changed = false;
    for (const c of pod.spec.containers) {
      for (const p of c.ports ?? []) {
        const k = String(p.containerPort);
        if (state.hostPorts[k] !== undefined) continue;
        state.hostPorts[k] = p.hostPort ?? (await freePort(this.opts.nodeAddress));
        changed = true;
      }
    }
    const want = JSON.stringify(state.hostPorts);
    if (
      changed ||
      (Object.keys(state.hostPorts).length > 0 &&
        pod.metadata.annotations?.[HOST_PORTS_ANNOTATION] !== want)
    ) {
      await this.opts.client
        .resource<Pod>(PODS, pod.metadata.namespace)
        .patch(
          pod.metadata.name ?? '',
          { metadata: { annotations: { [HOST_PORTS_ANNOTATION]: want } } },
          'merge',
        );
    }
  }

  /** One level-triggered sync of a pod. */
  async syncPod(key: string): Promise<void> {
    const pod = this.podInformer().get(key);
    if (!pod) return; // containers of vanished pods are collected by collectGarbage
    const uid = pod.metadata.uid ?? '';
    const containers = await this.opts.runtime.list({ [LABEL_POD_UID]: uid });
    if (pod.metadata.deletionTimestamp) {
      await this.killAll(containers, pod.spec.terminationGracePeriodSeconds ?? 30);
      return;
    }
    const state = this.state(pod);
    await this.ensureHostPorts(pod, state);
    const latest = new Map<string, RuntimeContainer | undefined>();
    for (const c of pod.spec.containers) {
      const mine = containers
        .filter((rc) => rc.labels[LABEL_CONTAINER] === c.name)
        .sort(
          (a, b) =>
            b.createdAt - a.createdAt ||
            Number(b.labels[LABEL_RESTARTS] ?? 0) - Number(a.labels[LABEL_RESTARTS] ?? 0),
        );
      let cur = mine[0];
      for (const old of mine.slice(1)) await this.opts.runtime.remove(old.id);
      if (cur?.running) {
        cur = await this.probe(pod, c, cur, state);
      } else {
        cur = (await this.maybeStart(pod, c, cur, state)) ?? cur;
      }
      latest.set(c.name, cur);
    }
    const status = computePodStatus(pod, latest, state, this.opts.nodeAddress, pod.status);
    if (JSON.stringify(status) !== JSON.stringify(pod.status)) {
      await this.opts.client
        .resource<Pod>(PODS, pod.metadata.namespace)
        .updateStatus({ ...structuredClone(pod), status });
    }
  }

  private async probe(
    pod: Pod,
    c: Container,
    rc: RuntimeContainer,
    state: PodState,
  ): Promise<RuntimeContainer | undefined> {
    const started = Date.parse(rc.startedAt ?? '') || Date.now();
    const target = {
      host: this.opts.nodeAddress,
      portFor: (port: number | string): number | undefined => {
        const cp =
          typeof port === 'number'
            ? port
            : /^\d+$/.test(port)
              ? Number(port)
              : c.ports?.find((p) => p.name === port)?.containerPort;
        return cp === undefined ? undefined : state.hostPorts[String(cp)];
      },
      exec: (cmd: string[]) => this.opts.runtime.exec(rc.id, cmd),
    };
    const now = Date.now();
    const due = (
      probe: { initialDelaySeconds?: number; periodSeconds?: number },
      kind: string,
    ): boolean =>
      now - started >= (probe.initialDelaySeconds ?? 0) * 1000 &&
      now - (state.lastProbe[`${kind}/${c.name}`] ?? 0) >= (probe.periodSeconds ?? 10) * 1000;
    if (c.readinessProbe) {
      if (due(c.readinessProbe, 'r')) {
        state.lastProbe[`r/${c.name}`] = now;
        state.ready[c.name] = await runProbe(c.readinessProbe, target);
      }
      state.ready[c.name] ??= false;
    } else {
      state.ready[c.name] = true;
    }
    if (c.livenessProbe && due(c.livenessProbe, 'l')) {
      state.lastProbe[`l/${c.name}`] = now;
      if (await runProbe(c.livenessProbe, target)) state.livenessFailures[c.name] = 0;
      else {
        const failures = (state.livenessFailures[c.name] ?? 0) + 1;
        state.livenessFailures[c.name] = failures;
        if (failures >= (c.livenessProbe.failureThreshold ?? 3)) {
          this.log.info(`${pod.metadata.name ?? ''}/${c.name}: liveness probe failed, restarting`);
          state.livenessFailures[c.name] = 0;
          await this.opts.runtime.stop(rc.id, pod.spec.terminationGracePeriodSeconds ?? 30);
          return { ...rc, running: false, exitCode: 137 };
        }
      }
    }
    delete state.waiting[c.name];
    return rc;
  }

  private async maybeStart(
    pod: Pod,
    c: Container,
    last: RuntimeContainer | undefined,
    state: PodState,
  ): Promise<RuntimeContainer | undefined> {
    const policy = pod.spec.restartPolicy ?? 'Always';
    const everStarted = state.started[c.name] === true || last !== undefined;
    if (everStarted) {
      const exit = last?.exitCode ?? 137;
      const restart = policy === 'Always' || (policy === 'OnFailure' && exit !== 0);
      if (!restart) return undefined;
      const now = Date.now();
      const base = this.opts.crashLoopBaseMs ?? 10_000;
      const until = state.backoffUntil[c.name];
      if (until === undefined) {
        const delay = state.backoffMs[c.name] ?? base;
        state.backoffUntil[c.name] = now + delay;
        state.backoffMs[c.name] = Math.min(delay * 2, this.opts.crashLoopMaxMs ?? 300_000);
        if (delay > 0) {
          state.waiting[c.name] = {
            reason: 'CrashLoopBackOff',
            message: `back-off ${String(Math.round(delay / 1000))}s restarting failed container=${c.name} pod=${pod.metadata.name ?? ''}`,
          };
          this.queue.addAfter(objectKey(pod), delay);
          return undefined;
        }
      } else if (now < until) {
        return undefined;
      }
      delete state.backoffUntil[c.name];
      state.restarts[c.name] =
        (state.restarts[c.name] ?? Number(last?.labels[LABEL_RESTARTS] ?? 0)) + 1;
    }
    return this.startContainer(pod, c, state);
  }

  private async startContainer(
    pod: Pod,
    c: Container,
    state: PodState,
  ): Promise<RuntimeContainer | undefined> {
    try {
      await this.opts.runtime.ensureImage(c.image, c.imagePullPolicy === 'Always');
    } catch (err) {
      if (err instanceof ImagePullError) {
        state.waiting[c.name] = {
          reason:
            state.waiting[c.name]?.reason === 'ErrImagePull' ? 'ImagePullBackOff' : 'ErrImagePull',
          message: err.message,
        };
        return undefined;
      }
      throw err;
    }
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.fieldRef?.fieldPath;
      env[e.name] =
        ref === 'metadata.name'
          ? (pod.metadata.name ?? '')
          : ref === 'metadata.namespace'
            ? (pod.metadata.namespace ?? '')
            : ref === 'status.podIP' || ref === 'status.hostIP'
              ? this.opts.nodeAddress
              : ref === 'spec.nodeName'
                ? this.nodeName
                : (e.value ?? '');
    }
    const restarts = state.restarts[c.name] ?? 0;
    const id = await this.opts.runtime.create({
      name: c.name,
      image: c.image,
      ...(c.command ? { command: c.command } : {}),
      ...(c.args ? { args: c.args } : {}),
      env,
      labels: {
        [LABEL_POD_UID]: pod.metadata.uid ?? '',
        [LABEL_POD_NAME]: pod.metadata.name ?? '',
        [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
        [LABEL_CONTAINER]: c.name,
        [LABEL_NODE]: this.nodeName,
        [LABEL_RESTARTS]: String(restarts),
      },
      ports: (c.ports ?? []).map((p) => ({
        containerPort: p.containerPort,
        hostPort: state.hostPorts[String(p.containerPort)] ?? p.containerPort,
        protocol: p.protocol ?? 'TCP',
      })),
      hostIp: this.opts.nodeAddress,
      ...(c.resources?.limits?.cpu ? { nanoCpus: parseCpu(c.resources.limits.cpu) * 1e6 } : {}),
      ...(c.resources?.limits?.memory
        ? { memoryBytes: parseMemory(c.resources.limits.memory) }
        : {}),
    });
    await this.opts.runtime.start(id);
    state.started[c.name] = true;
    delete state.waiting[c.name];
    const [rc] = (
      await this.opts.runtime.list({
        [LABEL_POD_UID]: pod.metadata.uid ?? '',
        [LABEL_CONTAINER]: c.name,
      })
    ).filter((x) => x.id === id);
    return rc;
  }

  private async killAll(containers: RuntimeContainer[], grace: number): Promise<void> {
    await Promise.all(
      containers.map(async (rc) => {
        if (rc.running) await this.opts.runtime.stop(rc.id, grace);
        await this.opts.runtime.remove(rc.id);
      }),
    );
  }

  /** Stops and removes containers of pods that are no longer bound to this node. */
  async collectGarbage(): Promise<void> {
    if (!this.podInformer().hasSynced()) return;
    const live = new Set(
      this.podInformer()
        .list()
        .map((p) => p.metadata.uid),
    );
    const all = await this.opts.runtime.list({ [LABEL_NODE]: this.nodeName });
    const orphans = all.filter((rc) => !live.has(rc.labels[LABEL_POD_UID]));
    await this.killAll(orphans, 2);
    for (const uid of [...this.states.keys()]) if (!live.has(uid)) this.states.delete(uid);
  }

  /** Logs of a pod's container (the newest one, or the previous one with `previous`). */
  async logs(
    namespace: string,
    name: string,
    container: string | undefined,
    tailLines?: number,
    previous = false,
  ): Promise<string> {
    const pod = this.podInformer().get(`${namespace}/${name}`);
    if (!pod) throw new NotFoundError(`pods "${name}" not found on node ${this.nodeName}`);
    const cname = container ?? pod.spec.containers[0]?.name ?? '';
    if (!pod.spec.containers.some((c) => c.name === cname)) {
      throw new NotFoundError(`container ${cname} is not valid for pod ${name}`);
    }
    const list = (
      await this.opts.runtime.list({
        [LABEL_POD_UID]: pod.metadata.uid ?? '',
        [LABEL_CONTAINER]: cname,
      })
    ).sort((a, b) => b.createdAt - a.createdAt);
    const rc = previous ? list[1] : list[0];
    if (!rc) return '';
    return this.opts.runtime.logs(rc.id, tailLines !== undefined ? { tailLines } : {});
  }

  /** For tests: the key split helper is re-exported so callers do not reach into meta. */
  static podKey(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }
}

export { splitKey };
