/**
 * The chaos run's steady workload at the federation: every tick one seeded operation in the
 * `chaos` namespace on Deployments (create, update, scale, delete), ConfigMaps, ClusterIP
 * Services selecting the Deployments' pods, and Widgets, the custom kind of a CRD created at the
 * federation in {@link Workload.setup} (create, update, delete), spread over the members by the
 * PropagationPolicies of workload-objects.ts. A ledger keeps what the federation acknowledged, so
 * the invariants can tell an acknowledged write from one whose outcome is unknown (the request
 * failed).
 */
import {
  CUSTOM_RESOURCE_DEFINITIONS,
  NAMESPACES,
  type CustomResourceDefinition,
  type Deployment,
} from '../../api/index.js';
import { PROPAGATION_POLICIES } from '../../federation/apis/index.js';
import { isEstablished } from '../../federation/controllers/propagation/custom-resource-kinds.js';
import { AlreadyExistsError, ApiError } from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import {
  CHAOS_NAMESPACE,
  WIDGET_CRD,
  WORKLOAD_KINDS,
  chaosPolicies,
  configMap,
  deployment,
  service,
  servicePorts,
  versionOf,
  widget,
  widgetCrd,
  widgetSpec,
  type KindInfo,
  type Spread,
  type WorkloadKind,
} from './workload-objects.js';

export {
  CHAOS_NAMESPACE,
  LABEL_SPREAD,
  chaosPolicies,
  versionOf,
  type Spread,
  type WorkloadKind,
} from './workload-objects.js';

/** What the federation acknowledged about one object the workload wrote. */
export interface Tracked {
  kind: WorkloadKind;
  name: string;
  spread: Spread;
  /**
   * `live`: created and acknowledged; `unknown-create`: the create failed (it may exist);
   * `deleted`: the delete was acknowledged (or answered NotFound); `unknown-delete`: it failed.
   */
  state: 'live' | 'unknown-create' | 'deleted' | 'unknown-delete';
  /** The last acknowledged version (workload-objects.ts `versionOf`) and replicas. */
  version: number;
  replicas?: number;
  /** A write after the last acknowledged one failed: the federation may hold either. */
  uncertain: boolean;
}

/** Per-operation counts. */
export type OpStats = Record<string, { ok: number; failed: number }>;

/**
 * Books what the federation answered to a write: the whole object as it holds it then (so an
 * earlier write whose outcome was unknown is settled too).
 */
function acknowledged(t: Tracked, answer: unknown): void {
  const obj = answer as KubeObject;
  t.version = versionOf(obj);
  if (t.kind === 'Deployment') t.replicas = (obj as Deployment).spec.replicas ?? 1;
  t.uncertain = false;
}

/** The operations and their weights, from the live objects per kind (a kind at its cap: 0). */
function weights(live: (k: WorkloadKind) => number): [string, number][] {
  const d = live('Deployment');
  const cm = live('ConfigMap');
  const svc = live('Service');
  const w = live('Widget');
  return [
    ['create-deployment', d < 12 ? 3 : 0],
    ['update-deployment', d > 0 ? 2 : 0],
    ['scale-deployment', d > 0 ? 2 : 0],
    ['delete-deployment', d > 4 ? 1 : 0],
    ['create-configmap', cm < 16 ? 2 : 0],
    ['update-configmap', cm > 0 ? 2 : 0],
    ['delete-configmap', cm > 5 ? 1 : 0],
    ['create-service', svc < 8 ? 1 : 0],
    ['update-service', svc > 0 ? 1 : 0],
    ['delete-service', svc > 3 ? 1 : 0],
    // the Widgets' CRD follows them to the members: keep a few, so it is not withdrawn often
    ['create-widget', w < 10 ? 1 : 0],
    ['update-widget', w > 0 ? 1 : 0],
    ['delete-widget', w > 3 ? 1 : 0],
  ];
}

/** Drives the workload (see the module comment). */
export class Workload {
  /** Every object written, by `<kind>/<name>`. */
  readonly ledger = new Map<string, Tracked>();
  readonly stats: OpStats = {};
  private readonly fed: RestClient;
  private readonly rand: () => number;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  /** `fed` should have a short request timeout: a hung request holds the next tick. */
  constructor(fed: RestClient, rand: () => number) {
    this.fed = fed;
    this.rand = rand;
  }

  /**
   * Creates the namespace, the Widget CRD (and waits until it is Established, 30 s at most) and
   * the policies.
   */
  async setup(members: readonly string[]): Promise<void> {
    const keep = (err: unknown): void => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    };
    await this.fed
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CHAOS_NAMESPACE } })
      .catch(keep);
    const crds = this.fed.resource<CustomResourceDefinition>(CUSTOM_RESOURCE_DEFINITIONS);
    await crds.create(widgetCrd()).catch(keep);
    const deadline = performance.now() + 30_000;
    while (!isEstablished(await crds.get(WIDGET_CRD).catch(() => undefined))) {
      if (performance.now() > deadline) throw new Error(`CRD ${WIDGET_CRD} not Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of chaosPolicies(members)) {
      await this.fed.resource(PROPAGATION_POLICIES, CHAOS_NAMESPACE).create(p);
    }
  }

  /** One operation every `intervalMs` (a tick is skipped while the previous one runs). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick().finally(() => (this.running = undefined));
    }, intervalMs);
  }

  /** Stops ticking and waits for the operation in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private live(kind: WorkloadKind): Tracked[] {
    return [...this.ledger.values()].filter((t) => t.kind === kind && t.state === 'live');
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs[Math.floor(this.rand() * xs.length)];
  }

  /** Runs `op` and books it; `onOk` records what was acknowledged, `onFail` what is unknown. */
  private async book(
    op: string,
    call: () => Promise<unknown>,
    onOk: (obj: unknown) => void,
    onFail: (err: unknown) => void,
  ): Promise<void> {
    const s = (this.stats[op] ??= { ok: 0, failed: 0 });
    try {
      onOk(await call());
      s.ok++;
    } catch (err) {
      s.failed++;
      onFail(err);
    }
  }

  private async tick(): Promise<void> {
    const ops = weights((k) => this.live(k).length);
    let r = this.rand() * ops.reduce((s, [, w]) => s + w, 0);
    const op = ops.find(([, w]) => (r -= w) < 0)?.[0] ?? 'create-configmap';
    const [verb = '', plural = ''] = op.split('-');
    const info = WORKLOAD_KINDS.find((k) => k.op === plural);
    if (!info) return;
    if (verb === 'create') {
      await this.create(op, info);
      return;
    }
    const target = this.pick(this.live(info.kind));
    if (!target) return;
    const rc = this.fed.resource(info.gvr, CHAOS_NAMESPACE);
    const uncertain = (): void => void (target.uncertain = true);
    if (verb === 'delete') {
      await this.book(
        op,
        () => rc.delete(target.name),
        () => (target.state = 'deleted'),
        (err) =>
          (target.state =
            err instanceof ApiError && err.code === 404 ? 'deleted' : 'unknown-delete'),
      );
    } else if (verb === 'scale') {
      const replicas = Math.floor(this.rand() * 6);
      await this.book(
        op,
        () => rc.patch(target.name, { spec: { replicas } }, 'merge'),
        (o) => acknowledged(target, o),
        uncertain,
      );
    } else {
      const patch = this.updatePatch(target, target.version + 1);
      await this.book(
        op,
        () => rc.patch(target.name, patch, 'merge'),
        (o) => acknowledged(target, o),
        uncertain,
      );
    }
  }

  /** The merge patch taking `t` to `version`. */
  private updatePatch(t: Tracked, version: number): unknown {
    switch (t.kind) {
      case 'Deployment':
        return {
          spec: {
            template: deployment(t.name, t.spread, t.replicas ?? 1, version).spec.template,
          },
        };
      case 'ConfigMap':
        return { data: { version: String(version) } };
      case 'Service':
        return { spec: { ports: servicePorts(version) } };
      case 'Widget':
        return { spec: widgetSpec(version) };
    }
  }

  /** Creates a new object of `info`'s kind at version 1 and books it. */
  private async create(op: string, info: KindInfo): Promise<void> {
    const name = `${info.prefix}-${String(this.next++)}`;
    let obj: KubeObject;
    const t: Tracked = {
      kind: info.kind,
      name,
      spread: 'cm',
      state: 'unknown-create',
      version: 1,
      uncertain: false,
    };
    if (info.kind === 'Deployment') {
      t.spread = this.rand() < 0.5 ? 'dup' : 'div';
      t.replicas = Math.floor(this.rand() * 5);
      obj = deployment(name, t.spread, t.replicas, 1);
    } else if (info.kind === 'Service') {
      // selects the pods of a live Deployment (any, when there is none yet)
      t.spread = 'svc';
      obj = service(name, this.pick(this.live('Deployment'))?.name ?? 'd-none', 1);
    } else if (info.kind === 'Widget') {
      t.spread = 'cr';
      obj = widget(name, 1);
    } else {
      obj = configMap(name, 1);
    }
    this.ledger.set(`${info.kind}/${name}`, t);
    await this.book(
      op,
      () => this.fed.resource(info.gvr, CHAOS_NAMESPACE).create(obj),
      (o) => {
        t.state = 'live';
        acknowledged(t, o);
      },
      () => undefined,
    );
  }
}
