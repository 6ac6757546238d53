/**
 * The chaos run's steady workload at the federation: every tick one seeded operation on
 * Deployments and ConfigMaps in the `chaos` namespace (create, update, scale, delete), spread over
 * the members by three PropagationPolicies (Deployments Duplicated or Divided 2:1:1..., ConfigMaps
 * to all but the last member). A ledger keeps what the federation acknowledged, so the invariants
 * can tell an acknowledged write from one whose outcome is unknown (the request failed).
 */
import { CONFIGMAPS, DEPLOYMENTS, NAMESPACES, type Deployment } from '../../api/index.js';
import { PROPAGATION_POLICIES, type PropagationPolicy } from '../../federation/apis/index.js';
import { AlreadyExistsError, ApiError } from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import type { RestClient } from '../../machinery/client/rest-client.js';

/** The namespace the workload writes to. */
export const CHAOS_NAMESPACE = 'chaos';
/** Label naming an object's spread: `dup`, `div` (Deployments) or `cm` (ConfigMaps). */
export const LABEL_SPREAD = 'chaos.flotilla.io/spread';

/** How an object is spread over the members. */
export type Spread = 'dup' | 'div' | 'cm';

/** What the federation acknowledged about one object the workload wrote. */
export interface Tracked {
  kind: 'Deployment' | 'ConfigMap';
  name: string;
  spread: Spread;
  /**
   * `live`: created and acknowledged; `unknown-create`: the create failed (it may exist);
   * `deleted`: the delete was acknowledged (or answered NotFound); `unknown-delete`: it failed.
   */
  state: 'live' | 'unknown-create' | 'deleted' | 'unknown-delete';
  /** The last acknowledged version (env VERSION / data.version) and replicas. */
  version: number;
  replicas?: number;
  /** A write after the last acknowledged one failed: the federation may hold either. */
  uncertain: boolean;
}

/** Per-operation counts. */
export type OpStats = Record<string, { ok: number; failed: number }>;

/** The PropagationPolicies of the run, for `members` (cluster names). */
export function chaosPolicies(members: readonly string[]): PropagationPolicy[] {
  const pp = (name: string, spec: PropagationPolicy['spec']): PropagationPolicy => ({
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name, namespace: CHAOS_NAMESPACE },
    spec,
  });
  const sel = (kind: string, spread: Spread): PropagationPolicy['spec']['resourceSelectors'] => [
    {
      apiVersion: kind === 'ConfigMap' ? 'v1' : 'apps/v1',
      kind,
      labelSelector: { matchLabels: { [LABEL_SPREAD]: spread } },
    },
  ];
  return [
    pp('chaos-dup', {
      resourceSelectors: sel('Deployment', 'dup'),
      placement: {
        clusterAffinity: { clusterNames: [...members] },
        replicaScheduling: { replicaSchedulingType: 'Duplicated' },
      },
    }),
    pp('chaos-div', {
      resourceSelectors: sel('Deployment', 'div'),
      placement: {
        clusterAffinity: { clusterNames: [...members] },
        replicaScheduling: {
          replicaSchedulingType: 'Divided',
          weightPreference: {
            staticWeightList: members.map((m, i) => ({
              targetCluster: { clusterNames: [m] },
              weight: i === 0 ? 2 : 1,
            })),
          },
        },
      },
    }),
    pp('chaos-cm', {
      resourceSelectors: sel('ConfigMap', 'cm'),
      placement: {
        clusterAffinity: { clusterNames: members.length > 1 ? members.slice(0, -1) : [...members] },
      },
    }),
  ];
}

function deployment(name: string, spread: Spread, replicas: number, version: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: CHAOS_NAMESPACE, labels: { [LABEL_SPREAD]: spread } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      // odd-numbered ones surge by one at a time, the others keep the default 25%
      ...(Number(name.slice(2)) % 2 === 1
        ? { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }
        : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sleep', '3600'],
              env: [{ name: 'VERSION', value: String(version) }],
            },
          ],
        },
      },
    },
  };
}

/** The version (env VERSION or data.version) of a Deployment or ConfigMap; NaN when absent. */
export function versionOf(obj: KubeObject): number {
  if (obj.kind === 'ConfigMap') {
    return Number((obj as { data?: Record<string, string> }).data?.version);
  }
  const env = (obj as Partial<Deployment>).spec?.template.spec.containers[0]?.env ?? [];
  return Number(env.find((e) => e.name === 'VERSION')?.value);
}

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

  /** Creates the namespace and the policies (retried until the federation answers). */
  async setup(members: readonly string[]): Promise<void> {
    await this.fed
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CHAOS_NAMESPACE } })
      .catch((err: unknown) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
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

  private live(kind: Tracked['kind']): Tracked[] {
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
    const deps = this.live('Deployment');
    const cms = this.live('ConfigMap');
    const ops: [string, number][] = [
      ['create-deployment', deps.length < 12 ? 3 : 0],
      ['update-deployment', deps.length > 0 ? 2 : 0],
      ['scale-deployment', deps.length > 0 ? 2 : 0],
      ['delete-deployment', deps.length > 4 ? 1 : 0],
      ['create-configmap', cms.length < 16 ? 2 : 0],
      ['update-configmap', cms.length > 0 ? 2 : 0],
      ['delete-configmap', cms.length > 5 ? 1 : 0],
    ];
    let r = this.rand() * ops.reduce((s, [, w]) => s + w, 0);
    const op = ops.find(([, w]) => (r -= w) < 0)?.[0] ?? 'create-configmap';
    const kind = op.endsWith('deployment') ? 'Deployment' : 'ConfigMap';
    const target = this.pick(kind === 'Deployment' ? deps : cms);
    const rc =
      kind === 'Deployment'
        ? this.fed.resource(DEPLOYMENTS, CHAOS_NAMESPACE)
        : this.fed.resource(CONFIGMAPS, CHAOS_NAMESPACE);
    const uncertain = (t: Tracked) => (): void => void (t.uncertain = true);
    if (op.startsWith('create')) {
      const name = `${kind === 'Deployment' ? 'd' : 'cm'}-${String(this.next++)}`;
      const spread: Spread = kind === 'ConfigMap' ? 'cm' : this.rand() < 0.5 ? 'dup' : 'div';
      const replicas = Math.floor(this.rand() * 5);
      const t: Tracked = {
        kind,
        name,
        spread,
        state: 'unknown-create',
        version: 1,
        uncertain: false,
      };
      if (kind === 'Deployment') t.replicas = replicas;
      this.ledger.set(`${kind}/${name}`, t);
      const obj: KubeObject =
        kind === 'Deployment'
          ? deployment(name, spread, replicas, 1)
          : {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name, namespace: CHAOS_NAMESPACE, labels: { [LABEL_SPREAD]: spread } },
              data: { version: '1' },
            };
      await this.book(
        op,
        () => rc.create(obj),
        (o) => {
          t.state = 'live';
          acknowledged(t, o);
        },
        () => undefined,
      );
    } else if (target && op.startsWith('delete')) {
      await this.book(
        op,
        () => rc.delete(target.name),
        () => (target.state = 'deleted'),
        (err) =>
          (target.state =
            err instanceof ApiError && err.code === 404 ? 'deleted' : 'unknown-delete'),
      );
    } else if (target && op === 'scale-deployment') {
      const replicas = Math.floor(this.rand() * 6);
      await this.book(
        op,
        () => rc.patch(target.name, { spec: { replicas } }, 'merge'),
        (o) => acknowledged(target, o),
        uncertain(target),
      );
    } else if (target) {
      const version = target.version + 1;
      const patch =
        kind === 'Deployment'
          ? deployment(target.name, target.spread, target.replicas ?? 1, version).spec.template
          : undefined;
      await this.book(
        op,
        () =>
          rc.patch(
            target.name,
            patch ? { spec: { template: patch } } : { data: { version: String(version) } },
            'merge',
          ),
        (o) => acknowledged(target, o),
        uncertain(target),
      );
    }
  }
}
