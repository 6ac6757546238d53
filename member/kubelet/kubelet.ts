import type { Registry } from 'prom-client';
import { objectKey, splitKey } from '../../machinery/meta.js';
import { KubeletMetrics } from '../../machinery/metrics/kubelet-metrics.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { ConflictError, NotFoundError } from '../../machinery/errors/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import { WorkQueue } from '../../machinery/workqueue/index.js';
import {
  NODES,
  PODS,
  podContainerNames,
  type Container,
  type Node,
  type Pod,
} from '../../api/index.js';
import { EventRecorder } from '../controllers/event-recorder.js';
import {
  LABEL_CONTAINER,
  LABEL_CLUSTER,
  LABEL_NODE,
  LABEL_POD_UID,
  LABEL_RESTARTS,
  type ContainerRuntime,
  type RuntimeContainer,
} from './container-runtime.js';
import { Backoff } from './backoff.js';
import { ContainerEnvResolver } from './container-env.js';
import { containerSpecFor } from './container-spec.js';
import { syncEphemeralContainers, type SharedNamespaces } from './ephemeral-containers.js';
import { CreateContainerConfigError } from './errors/create-container-config-error.js';
import { ImagePullError } from './errors/image-pull-error.js';
import { NodeRegistration } from './node-registration.js';
import { computePodStatus } from './pod-status.js';
import { adoptedPodState, newestFirst } from './pod-adoption.js';
import type { PodState } from './pod-state.js';
import { probeContainer } from './container-prober.js';
import { PodEvents } from './pod-events.js';
import { PodNetwork } from './pod-network.js';
import { PodTerminator } from './pod-termination.js';

/** Options for {@link Kubelet}. */
export interface KubeletOptions {
  client: KubeClient;
  nodeName: string;
  /**
   * Id of the cluster this node belongs to (its kube-system namespace uid). Containers carry it,
   * and garbage collection only looks at this cluster's containers of this node.
   * @defaultValue '' (containers of every cluster with this node name)
   */
  clusterId?: string;
  /**
   * The node's loopback address (127.0.N.M): the Node's InternalIP, pods' `status.hostIP`,
   * hostNetwork pods' address and where `hostPort`s are published. Other pods get their own
   * address from the Node's `spec.podCIDR`.
   */
  nodeAddress: string;
  runtime: ContainerRuntime;
  capacity?: { cpu?: string; memory?: string; pods?: string };
  labels?: Record<string, string>;
  /** Port of this kubelet's HTTPS API (Node `daemonEndpoints`); none when unset. */
  kubeletPort?: number;
  /** Lease renew and node status interval. @defaultValue 10000 */
  heartbeatMs?: number;
  /**
   * How often the node's containers are listed (the kubelet's PLEG relist): a pod whose
   * containers changed since the last list, or that still needs watching (starting, probed,
   * not ready, terminating), is synced; the others wait for `fullSyncPeriodMs`.
   * @defaultValue 1000
   */
  syncPeriodMs?: number;
  /**
   * Every pod is synced at least this often, changed or not (Kubernetes' --sync-frequency, 1 min
   * there). @defaultValue 10000
   */
  fullSyncPeriodMs?: number;
  /** CrashLoopBackOff: first delay, doubled up to the max. @defaultValue 10000 / 300000 */
  crashLoopBaseMs?: number;
  crashLoopMaxMs?: number;
  /**
   * A container that ran at least this long before exiting restarts after the first delay again
   * (Kubernetes: 10 minutes). @defaultValue 600000
   */
  crashLoopResetMs?: number;
  /** ImagePullBackOff: first delay after ErrImagePull, doubled up to the max. @defaultValue 10000 / 300000 */
  imagePullBaseMs?: number;
  imagePullMaxMs?: number;
  /** Clock for back-off and probe periods. @defaultValue Date.now */
  now?: () => number;
  /** Where `kubelet_pod_start_duration_seconds` goes (the kubelet API's /metrics). @defaultValue none */
  metricsRegistry?: Registry | undefined;
  logger?: Logger;
}

/** Back-off key of a pod's container or image. */
const backoffKey = (pod: Pod, name: string): string => `${pod.metadata.uid ?? ''}/${name}`;

/** How long a stopped container ran (0 when the runtime does not say). */
function ranForMs(rc: RuntimeContainer | undefined): number {
  const started = Date.parse(rc?.startedAt ?? '');
  const finished = Date.parse(rc?.finishedAt ?? '');
  if (!(started > 0) || !(finished > 0)) return 0;
  return Math.max(0, finished - started);
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
  private readonly node: NodeRegistration;
  private readonly now: () => number;
  private readonly env: ContainerEnvResolver;
  /** CrashLoopBackOff per `<podUID>/<container>`. */
  private readonly crashLoop: Backoff;
  /** ImagePullBackOff per `<podUID>/<image>`. */
  private readonly imagePull: Backoff;
  /** Events about pods (source `kubelet`, host = this node). */
  private readonly events: PodEvents;
  private readonly metrics: KubeletMetrics;
  /** Pod addresses from the Node's podCIDR. */
  private readonly network: PodNetwork;
  /** Pods marked for deletion: stopped within their grace period, then deleted. */
  private readonly terminator: PodTerminator;
  /** Each pod's containers (ids and whether running) at the last relist, by pod UID. */
  private relisted = new Map<string, string>();
  /** When (monotonic ms) every pod was last synced. */
  private lastFullSync = -Infinity;

  constructor(opts: KubeletOptions) {
    this.opts = opts;
    this.metrics = new KubeletMetrics(opts.metricsRegistry);
    this.nodeName = opts.nodeName;
    this.log = opts.logger ?? consoleLogger(`kubelet ${opts.nodeName}`, true);
    this.now = opts.now ?? Date.now;
    this.node = new NodeRegistration({
      client: opts.client,
      nodeName: opts.nodeName,
      nodeAddress: opts.nodeAddress,
      runtimeName: opts.runtime.constructor.name,
      ...(opts.capacity ? { capacity: opts.capacity } : {}),
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.kubeletPort !== undefined ? { kubeletPort: opts.kubeletPort } : {}),
      cached: () => {
        const inf = this.nodeInformer();
        return inf.hasSynced() ? inf.get(opts.nodeName) : undefined;
      },
    });
    this.env = new ContainerEnvResolver({
      client: opts.client,
      nodeName: opts.nodeName,
      nodeAddress: opts.nodeAddress,
    });
    this.crashLoop = new Backoff({
      initialMs: opts.crashLoopBaseMs ?? 10_000,
      maxMs: opts.crashLoopMaxMs ?? 300_000,
      now: this.now,
    });
    this.imagePull = new Backoff({
      initialMs: opts.imagePullBaseMs ?? 10_000,
      maxMs: opts.imagePullMaxMs ?? 300_000,
      now: this.now,
    });
    this.events = new PodEvents(
      new EventRecorder({
        client: opts.client,
        component: 'kubelet',
        host: opts.nodeName,
        logger: this.log,
        now: () => new Date(this.now()),
      }),
    );
    this.informers = new InformerFactory(opts.client);
    const pods = this.podInformer();
    pods.addEventHandler({
      onAdd: (p) => this.queue.add(objectKey(p)),
      onUpdate: (_o, n) => this.queue.add(objectKey(n)),
      onDelete: (p) => this.queue.add(objectKey(p)),
    });
    this.network = new PodNetwork({
      nodeName: opts.nodeName,
      nodeAddress: opts.nodeAddress,
      node: this.nodeInformer(),
      pods: () => this.podInformer().list(),
      runtime: opts.runtime,
      ...(opts.clusterId ? { clusterId: opts.clusterId } : {}),
      logger: this.log,
    });
    this.terminator = new PodTerminator({
      client: opts.client,
      runtime: opts.runtime,
      events: this.events,
      now: this.now,
      logger: this.log,
      onStopped: (uid) => this.network.release(uid),
      onFailed: (key) => this.queue.addRateLimited(key),
    });
    // pods waiting for an address go on once the node IPAM controller set the podCIDR
    const onNode = (n: Node): void => {
      if (n.spec?.podCIDR) for (const p of pods.list()) this.queue.add(objectKey(p));
    };
    this.nodeInformer().addEventHandler({
      onAdd: onNode,
      onUpdate: (o, n) => {
        if (o.spec?.podCIDR !== n.spec?.podCIDR) onNode(n);
      },
    });
  }

  private podInformer() {
    return this.informers.for<Pod>(PODS, { fieldSelector: `spec.nodeName=${this.nodeName}` });
  }

  /** This kubelet's own Node (its podCIDR). */
  private nodeInformer() {
    return this.informers.for<Node>(NODES, { fieldSelector: `metadata.name=${this.nodeName}` });
  }

  /** Registers the node and runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.node.register();
    this.informers.start(signal);
    await this.podInformer().waitForSync(signal);
    await this.nodeInformer().waitForSync(signal);
    const stop = (): void => this.queue.shutDown();
    signal.addEventListener('abort', stop);
    const timers = [
      setInterval(
        () => void this.heartbeat().catch((e: unknown) => this.log.warn(`heartbeat: ${String(e)}`)),
        this.opts.heartbeatMs ?? 10_000,
      ),
      setInterval(
        () => void this.relist().catch((e: unknown) => this.log.warn(`relist: ${String(e)}`)),
        this.opts.syncPeriodMs ?? 1000,
      ),
    ];
    await this.heartbeat().catch(() => undefined);
    await Promise.all(Array.from({ length: 4 }, () => this.worker()));
    for (const t of timers) clearInterval(t);
    await this.terminator.stopped();
    await this.informers.stopped();
    await this.events.written();
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

  /** Resolves once the pod events recorded so far are written (they are written in the background). */
  eventsWritten(): Promise<void> {
    return this.events.written();
  }

  /** Pods bound to this node, from the kubelet's cache (the kubelet API's /pods). */
  boundPods(): Pod[] {
    return this.podInformer().list();
  }

  /** Renews the Lease and posts Ready node status. */
  heartbeat(): Promise<void> {
    return this.node.heartbeat();
  }

  /**
   * The pod's state; the first time this kubelet sees the pod, adopted from its runtime
   * `containers` and its status (a restarted kubelet carries on where the last one stopped).
   */
  private state(pod: Pod, containers: RuntimeContainer[]): PodState {
    const uid = pod.metadata.uid ?? '';
    let s = this.states.get(uid);
    if (!s) {
      s = adoptedPodState(pod, containers, new Date());
      this.states.set(uid, s);
      this.metrics.podSeen(uid);
    }
    return s;
  }

  /**
   * The pod's address; undefined (with a NetworkNotReady event, once per pod) while the Node has
   * no podCIDR: the pod stays Pending, and the Node's update re-queues it.
   */
  private async podAddress(pod: Pod): Promise<string | undefined> {
    const ip = await this.network.addressFor(pod);
    if (ip === undefined) await this.events.networkNotReady(pod, this.nodeName);
    return ip;
  }

  /** One level-triggered sync of a pod. */
  async syncPod(key: string): Promise<void> {
    const pod = this.podInformer().get(key);
    if (!pod) return; // containers of vanished pods are collected by collectGarbage
    if (pod.metadata.deletionTimestamp) {
      // in the background: a long grace period must not hold this worker
      this.terminator.terminate(pod);
      return;
    }
    const uid = pod.metadata.uid ?? '';
    const containers = await this.opts.runtime.list({ [LABEL_POD_UID]: uid });
    const state = this.state(pod, containers);
    const podIp = await this.podAddress(pod);
    if (podIp === undefined) {
      await this.writeStatus(pod, new Map(), state, undefined);
      return;
    }
    const latest = new Map<string, RuntimeContainer | undefined>();
    const previous = new Map<string, RuntimeContainer>();
    for (const c of pod.spec.containers) {
      const mine = containers
        .filter((rc) => rc.labels[LABEL_CONTAINER] === c.name)
        .sort(newestFirst);
      let cur = mine[0];
      let prev = mine[1];
      // as Kubernetes' container GC: the newest run and the one before it stay (logs --previous)
      for (const old of mine.slice(2)) await this.opts.runtime.remove(old.id);
      if (cur?.running) {
        cur = await this.probe(pod, c, cur, state, podIp);
      } else {
        const started = await this.maybeStart(pod, c, cur, state, podIp);
        if (started && cur && started.id !== cur.id) {
          // the run before the previous one goes now; the next sync would list it third
          if (prev) await this.opts.runtime.remove(prev.id);
          prev = cur;
        }
        cur = started ?? cur;
      }
      latest.set(c.name, cur);
      if (prev) previous.set(c.name, prev);
    }
    // kubectl debug: started once in the pod's namespaces, never restarted
    const ephemeral = await syncEphemeralContainers(pod, containers, latest, state, (c, ns) =>
      this.startContainer(pod, c, state, 0, podIp, ns),
    );
    for (const [name, rc] of ephemeral) latest.set(name, rc);
    await this.writeStatus(pod, latest, state, podIp, previous);
  }

  /** Posts the pod's status when it changed. */
  private async writeStatus(
    pod: Pod,
    latest: Map<string, RuntimeContainer | undefined>,
    state: PodState,
    podIP: string | undefined,
    previous?: ReadonlyMap<string, RuntimeContainer>,
  ): Promise<void> {
    const addresses = { hostIP: this.opts.nodeAddress, podIP };
    const status = computePodStatus(pod, latest, state, addresses, pod.status, previous);
    if (status.phase === 'Running') this.metrics.podRunning(pod.metadata.uid ?? '');
    if (JSON.stringify(status) !== JSON.stringify(pod.status)) {
      await this.opts.client
        .resource<Pod>(PODS, pod.metadata.namespace)
        .updateStatus({ ...structuredClone(pod), status });
    }
  }

  private probe(
    pod: Pod,
    c: Container,
    rc: RuntimeContainer,
    state: PodState,
    podIp: string,
  ): Promise<RuntimeContainer | undefined> {
    return probeContainer(pod, c, rc, state, {
      podAddress: podIp,
      runtime: this.opts.runtime,
      now: this.now(),
      log: this.log,
      events: this.events,
    });
  }

  private async maybeStart(
    pod: Pod,
    c: Container,
    last: RuntimeContainer | undefined,
    state: PodState,
    podIp: string,
  ): Promise<RuntimeContainer | undefined> {
    const policy = pod.spec.restartPolicy ?? 'Always';
    const everStarted = state.started[c.name] === true || last !== undefined;
    const key = backoffKey(pod, c.name);
    let restarts = 0;
    if (everStarted) {
      const exit = last?.exitCode ?? 137;
      const restart = policy === 'Always' || (policy === 'OnFailure' && exit !== 0);
      if (!restart) return undefined;
      if (!this.crashLoop.pending(key)) {
        // a new exit: after a healthy run (Kubernetes: 10 min) start again from the first delay
        if (ranForMs(last) >= (this.opts.crashLoopResetMs ?? 600_000)) this.crashLoop.reset(key);
        this.crashLoop.fail(key);
      }
      const left = this.crashLoop.remaining(key);
      if (left > 0) {
        state.waiting[c.name] = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${String(Math.round(this.crashLoop.lastDelay(key) / 1000))}s restarting failed container=${c.name} pod=${pod.metadata.name ?? ''}`,
        };
        this.queue.addAfter(objectKey(pod), left);
        await this.events.crashLoopBackOff(pod, c, this.now() + left);
        return undefined;
      }
      restarts = (state.restarts[c.name] ?? Number(last?.labels[LABEL_RESTARTS] ?? 0)) + 1;
    }
    const rc = await this.startContainer(pod, c, state, restarts, podIp);
    // the period stays pending (and over) while the start itself fails, so the next sync retries
    if (rc && everStarted) this.crashLoop.consume(key);
    return rc;
  }

  /**
   * Makes sure the image is present, as the Kubernetes kubelet: one already on the node is not
   * pulled unless the policy is Always (a Pulled "already present" event), a pull backs off
   * (ImagePullBackOff); false when the container cannot start yet. Events are written in the
   * background: a start does not wait for them.
   */
  private async pullImage(pod: Pod, c: Container, state: PodState): Promise<boolean> {
    if (c.imagePullPolicy !== 'Always' && (await this.opts.runtime.hasImage(c.image))) {
      void this.events.present(pod, c);
      return true;
    }
    const key = backoffKey(pod, c.image);
    const left = this.imagePull.remaining(key);
    if (left > 0) {
      state.waiting[c.name] = {
        reason: 'ImagePullBackOff',
        message: `Back-off pulling image "${c.image}"`,
      };
      this.queue.addAfter(objectKey(pod), left);
      await this.events.pullBackOff(pod, c, this.now() + left);
      return false;
    }
    const began = this.now();
    void this.events.pulling(pod, c);
    try {
      await this.opts.runtime.pullImage(c.image);
      this.imagePull.reset(key);
      void this.events.pulled(pod, c, this.now() - began);
      return true;
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      const delay = this.imagePull.fail(key);
      state.waiting[c.name] = { reason: 'ErrImagePull', message: err.message };
      await this.events.pullFailed(pod, c, err.message);
      this.queue.addAfter(objectKey(pod), delay);
      return false;
    }
  }

  /** The container's environment; undefined (waiting CreateContainerConfigError) when incomplete. */
  private async containerEnv(
    pod: Pod,
    c: Container,
    state: PodState,
    podIp: string,
  ): Promise<Record<string, string> | undefined> {
    try {
      return await this.env.resolve(pod, c, podIp);
    } catch (err) {
      // absorbed: the periodic resync retries, so a ConfigMap created later is picked up
      if (!(err instanceof CreateContainerConfigError)) throw err;
      state.waiting[c.name] = { reason: 'CreateContainerConfigError', message: err.message };
      await this.events.failed(pod, c, err.message);
      return undefined;
    }
  }

  private async startContainer(
    pod: Pod,
    c: Container,
    state: PodState,
    restarts: number,
    podIp: string,
    namespaces: SharedNamespaces = {},
  ): Promise<RuntimeContainer | undefined> {
    if (!(await this.pullImage(pod, c, state))) return undefined;
    const env = await this.containerEnv(pod, c, state, podIp);
    if (!env) return undefined;
    const id = await this.opts.runtime.create({
      ...containerSpecFor(pod, c, podIp, env, restarts, {
        nodeName: this.nodeName,
        nodeAddress: this.opts.nodeAddress,
        ...(this.opts.clusterId ? { clusterId: this.opts.clusterId } : {}),
      }),
      ...namespaces,
    });
    await this.opts.runtime.start(id);
    void this.events.started(pod, c);
    state.started[c.name] = true;
    state.restarts[c.name] = restarts;
    delete state.waiting[c.name];
    // probes of the new container start from scratch (not ready until its readiness succeeds)
    delete state.ready[c.name];
    for (const k of ['r', 'l']) {
      delete state.probeCounts[`${k}/${c.name}`];
      delete state.lastProbe[`${k}/${c.name}`];
    }
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

  /**
   * One list of the node's containers per sync period, as the kubelet's PLEG relists: the pods
   * whose containers changed since the last list and the ones that still need watching (see
   * {@link needsSync}) are queued, every pod once per full sync period; then the containers of
   * vanished pods are collected. A steady pod is not synced every second (with Docker that was a
   * container list per pod per second). When the list fails every pod is queued.
   */
  async relist(): Promise<void> {
    if (!this.podInformer().hasSynced()) return;
    let all: RuntimeContainer[];
    try {
      all = await this.nodeContainers();
    } catch (err) {
      for (const p of this.podInformer().list()) this.queue.add(objectKey(p));
      throw err;
    }
    const now = performance.now();
    const full = now - this.lastFullSync >= (this.opts.fullSyncPeriodMs ?? 10_000);
    if (full) this.lastFullSync = now;
    const seen = new Map<string, string[]>();
    for (const rc of all) {
      const uid = rc.labels[LABEL_POD_UID] ?? '';
      let ids = seen.get(uid);
      if (!ids) seen.set(uid, (ids = []));
      ids.push(`${rc.id}:${rc.running ? 'r' : 'x'}`);
    }
    const next = new Map<string, string>();
    for (const p of this.podInformer().list()) {
      const uid = p.metadata.uid ?? '';
      const containers = (seen.get(uid) ?? []).sort().join(',');
      next.set(uid, containers);
      if (full || this.relisted.get(uid) !== containers || needsSync(p)) {
        this.queue.add(objectKey(p));
      }
    }
    this.relisted = next;
    await this.collectGarbage(all);
  }

  /**
   * The node's containers, in brief (one runtime call, as Kubernetes' PLEG relist: ids and
   * states; a pod's sync inspects its own).
   */
  private nodeContainers(): Promise<RuntimeContainer[]> {
    return this.opts.runtime.list(
      {
        [LABEL_NODE]: this.nodeName,
        ...(this.opts.clusterId ? { [LABEL_CLUSTER]: this.opts.clusterId } : {}),
      },
      true,
    );
  }

  /**
   * Stops the containers of pods no longer bound here and forgets their state. `listed`: the
   * node's containers, listed before this call (listed here when not given).
   */
  async collectGarbage(listed?: RuntimeContainer[]): Promise<void> {
    if (!this.podInformer().hasSynced()) return;
    const all = listed ?? (await this.nodeContainers());
    // Read the pods only after listing the containers: a container is only ever created for a pod
    // already in the cache, so every container listed belongs to a pod in this (later) snapshot
    // unless that pod is really gone. Reading the pods first raced with pods added meanwhile: their
    // new containers were killed and their state (and address) dropped.
    const live = new Set(
      this.podInformer()
        .list()
        .map((p) => p.metadata.uid),
    );
    const orphans = all.filter((rc) => !live.has(rc.labels[LABEL_POD_UID]));
    // forget state before the next await, so a pod added meanwhile keeps its fresh state
    for (const uid of [...this.states.keys()]) {
      if (live.has(uid)) continue;
      this.states.delete(uid);
      this.metrics.forget(uid);
    }
    const keep = (key: string): boolean => live.has(key.slice(0, key.indexOf('/')));
    this.crashLoop.retain(keep);
    this.imagePull.retain(keep);
    this.events.retain((uid) => live.has(uid));
    this.network.retain((uid) => live.has(uid));
    await this.killAll(orphans, 2);
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
    if (!podContainerNames(pod).includes(cname)) {
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

/**
 * Whether a pod needs a sync on every relist even when its containers did not change: anything
 * but a Running pod whose containers are all running and ready, unprobed, or a finished pod;
 * a probed container is probed from its sync, and a starting, restarting or terminating pod
 * moves on time, not on container changes.
 */
export function needsSync(p: Pod): boolean {
  if (p.metadata.deletionTimestamp) return true;
  if (p.spec.ephemeralContainers?.length) return true;
  if (p.spec.containers.some((c) => c.livenessProbe ?? c.readinessProbe)) {
    return true;
  }
  const phase = p.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (phase !== 'Running') return true;
  const st = p.status?.containerStatuses ?? [];
  return st.length !== p.spec.containers.length || !st.every((c) => c.ready && c.state?.running);
}
