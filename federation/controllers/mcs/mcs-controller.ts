import {
  ENDPOINTSLICES,
  EventRecorder,
  LABEL_ENDPOINTSLICE_MANAGED_BY,
  LABEL_MCS_SERVICE_NAME,
  LABEL_MCS_SOURCE_CLUSTER,
  MCS_CONTROLLER_NAME,
  SERVICEIMPORTS,
  type EndpointSlice,
  type ServiceImport,
} from '../../../api/index.js';
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger, type RequeueAfter } from '../../../machinery/controller/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import type { WorkqueueMetricsProvider } from '../../../machinery/workqueue/metrics.js';
import { ClustersetIpAllocator } from './clusterset-ip-allocator.js';
import { MemberImportSyncError } from './errors.js';
import {
  importSlice,
  resolveExports,
  type ClusterExport,
  type Resolution,
} from './export-resolution.js';
import { writeExportConditions } from './export-status.js';
import { LABEL_APP_MANAGED_BY, writeImport } from './import-writer.js';
import { MemberCaches, readinessOf, type MemberView, type MemberViews } from './member-caches.js';

export const ControllerName = 'mcs-controller';
/** Event reasons on the federation's ServiceImport. */
export const EventReason = {
  ExportConflict: 'ExportConflict',
  MemberSyncFailed: 'MemberSyncFailed',
} as const;

/** Options for {@link McsController}. */
export interface McsControllerOptions {
  /** The controller manager's federation client (writes). */
  client: KubeClient;
  informers: InformerFactory;
  logger: Logger;
  /**
   * Clients of the members (credentials from their Cluster): `for` feeds the member caches'
   * watches, `guarded` (behind the member's circuit breaker) the writes.
   */
  clients: { for(cluster: Cluster): KubeClient; guarded(cluster: Cluster): KubeClient };
  /** IPv4 CIDR inside 127.0.0.0/8 the cluster-set IPs come from (`--clusterset-ip-range`). */
  clustersetIpRange: string;
  /** Where members are read. @defaultValue {@link MemberCaches} over `clients` */
  members?: MemberViews;
  events?: Pick<EventRecorder, 'event'>;
  /** How soon a name is looked at again while a Ready member's caches still sync. @defaultValue 1000 */
  pendingRetryMs?: number;
  now?: () => Date;
}

const managed = `${LABEL_ENDPOINTSLICE_MANAGED_BY}=${MCS_CONTROLLER_NAME}`;
const isReady = (c: Cluster): boolean =>
  c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;

/**
 * The multi-cluster services controller (KEP-1645). For each exported `namespace/name` it reads
 * every Ready push-mode member's ServiceExport, Service and Endpoints, resolves them (the oldest
 * export defines ports and type, the others that disagree get `Conflict`), and keeps the
 * federation's ServiceImport (with its cluster-set IP: the record the IP allocator is rebuilt
 * from) and one EndpointSlice per contributing cluster; then writes the same import and slices
 * into every Ready member, and the export conditions into each export. A NotReady member's
 * endpoints leave the set at once; an import whose last export went is deleted everywhere and
 * its IP released. A Ready member whose caches have not synced yet keeps what it contributed
 * until they have.
 */
export class McsController {
  readonly controller: Controller;
  private readonly opts: McsControllerOptions;
  private readonly ips: ClustersetIpAllocator;
  private readonly caches: MemberCaches | undefined;
  private readonly members: MemberViews;
  private readonly events: Pick<EventRecorder, 'event'>;
  private recovered = false;
  /** Last conflicts reported per key (an event only when they change). */
  private readonly reported = new Map<string, string>();

  constructor(opts: McsControllerOptions) {
    this.opts = opts;
    this.ips = new ClustersetIpAllocator(opts.clustersetIpRange);
    const clusters = opts.informers.for<Cluster>(CLUSTERS);
    const imports = this.importsInformer();
    const slices = this.slicesInformer();
    this.controller = new Controller({
      name: ControllerName,
      informers: [clusters, imports, slices],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
    });
    this.caches = opts.members
      ? undefined
      : new MemberCaches({
          clients: opts.clients,
          logger: opts.logger,
          onChange: (k) => this.controller.enqueue(k),
        });
    this.members = opts.members ?? (this.caches as MemberCaches);
    this.events =
      opts.events ??
      new EventRecorder({
        client: opts.client,
        component: ControllerName,
        logger: opts.logger,
        now: opts.now ?? (() => new Date()),
      });
    const onCluster = (): void => {
      this.caches?.sync(clusters.list());
      this.enqueueAll();
    };
    clusters.addEventHandler({
      onAdd: onCluster,
      onUpdate: (o, n) => {
        if (readinessOf(o) !== readinessOf(n) || o.metadata.generation !== n.metadata.generation) {
          onCluster();
        }
      },
      onDelete: onCluster,
    });
    imports.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
      onDelete: this.controller.enqueueObject,
    });
    const sliceKey = (s: EndpointSlice): void =>
      this.controller.enqueue(
        `${s.metadata.namespace ?? ''}/${s.metadata.labels?.[LABEL_MCS_SERVICE_NAME] ?? ''}`,
      );
    slices.addEventHandler({
      onAdd: sliceKey,
      onUpdate: (_o, n) => sliceKey(n),
      onDelete: sliceKey,
    });
  }

  /** Runs the member caches and the controller until `signal` aborts. */
  async run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    this.caches?.start(signal);
    this.caches?.sync(this.opts.informers.for<Cluster>(CLUSTERS).list());
    await this.controller.run(signal, metrics);
    await this.caches?.stopped();
  }

  /** Converges the import of one `namespace/name` (see the class comment). */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    this.recover();
    const [namespace = '', name = ''] = key.split('/');
    if (name === '') return undefined;
    const joined = this.opts.informers
      .for<Cluster>(CLUSTERS)
      .list()
      .filter((c) => c.spec.secretRef && !c.metadata.deletionTimestamp);
    const views = new Map<string, { cluster: Cluster; view: MemberView }>();
    const pending = new Set<string>();
    for (const c of joined.filter(isReady)) {
      const view = this.members.view(c);
      if (view) views.set(c.metadata.name ?? '', { cluster: c, view });
      else pending.add(c.metadata.name ?? '');
    }
    const states: ClusterExport[] = [...views].map(([cluster, { view }]) => ({
      cluster,
      export: view.exports.get(key),
      service: view.services.get(key),
      endpoints: view.endpoints.get(key),
    }));
    const res = resolveExports(states);
    const existing = this.importsInformer().get(key);
    const existingSlices = this.slicesInformer()
      .list(namespace)
      .filter((s) => s.metadata.labels?.[LABEL_MCS_SERVICE_NAME] === name);
    // a member that is joined but unknown right now (NotReady, caches syncing) keeps its place
    const known = new Set(views.keys());
    const joinedNames = new Set(joined.map((c) => c.metadata.name ?? ''));
    const kept = (existing?.status?.clusters ?? [])
      .map((c) => c.cluster)
      .filter((c) => joinedNames.has(c) && !known.has(c));
    const desired = this.desiredImport(namespace, name, res, existing, kept);
    const desiredSlices = desired
      ? [
          ...res.contributing.map((c) =>
            importSlice(namespace, name, c, views.get(c)?.view.endpoints.get(key)),
          ),
          // a Ready member still syncing: its slice stays as it was (a NotReady one's goes now)
          ...existingSlices.filter((s) => pending.has(sourceOf(s))),
        ]
      : [];
    const fresh = desired?.spec.ips?.[0] !== existing?.spec.ips?.[0] ? desired?.spec.ips?.[0] : '';
    try {
      await writeImport(
        this.opts.client,
        {
          namespace,
          name,
          desiredImport: desired,
          desiredSlices,
          existingImport: existing,
          existingSlices,
        },
        { createNamespace: true },
      );
    } catch (err) {
      if (fresh) this.ips.release(fresh);
      throw err;
    }
    for (const ip of existing?.spec.ips ?? []) {
      if (!desired?.spec.ips?.includes(ip)) this.ips.release(ip);
    }
    if (!desired) this.reported.delete(key);
    else await this.reportConflicts(key, desired, res);
    await this.syncMembers(key, views, desired, desiredSlices, res);
    return pending.size > 0 ? { requeueAfterMs: this.opts.pendingRetryMs ?? 1000 } : undefined;
  }

  /** The federation's import of `namespace/name`, or undefined when it should not exist. */
  private desiredImport(
    namespace: string,
    name: string,
    res: Resolution,
    existing: ServiceImport | undefined,
    kept: string[],
  ): ServiceImport | undefined {
    const base = res.spec ?? (kept.length > 0 ? existing?.spec : undefined);
    if (!base) return undefined;
    const { ips: _ips, ...spec } = base;
    let ips: string[] | undefined;
    if (spec.type === 'ClusterSetIP') {
      const old = existing?.spec.ips?.[0];
      ips = [old !== undefined && this.ips.reserve(old) ? old : this.ips.allocate()];
    }
    const clusters = [...new Set([...res.contributing, ...kept])].sort();
    return {
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name, namespace, labels: { [LABEL_APP_MANAGED_BY]: MCS_CONTROLLER_NAME } },
      spec: { ...spec, ...(ips ? { ips } : {}) },
      status: { clusters: clusters.map((cluster) => ({ cluster })) },
    };
  }

  /**
   * Writes the import and slices into every Ready member, and each export's conditions; a member
   * that fails gets an event and the key is retried (the others are written regardless).
   */
  private async syncMembers(
    key: string,
    views: Map<string, { cluster: Cluster; view: MemberView }>,
    desired: ServiceImport | undefined,
    desiredSlices: EndpointSlice[],
    res: Resolution,
  ): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const failed: string[] = [];
    const errors: unknown[] = [];
    const now = this.opts.now?.() ?? new Date();
    await Promise.all(
      [...views].map(async ([cluster, { cluster: c, view }]) => {
        try {
          const client = this.opts.clients.guarded(c);
          await writeImport(
            client,
            {
              namespace,
              name,
              desiredImport: desired,
              desiredSlices,
              existingImport: view.imports.get(key),
              existingSlices: view.slices
                .list(namespace)
                .filter((s) => s.metadata.labels?.[LABEL_MCS_SERVICE_NAME] === name),
            },
            { createNamespace: true },
          );
          const exp = view.exports.get(key);
          const conds = res.conditions.get(cluster);
          if (exp && conds) await writeExportConditions(client, exp, conds, now);
        } catch (err) {
          failed.push(cluster);
          errors.push(err);
          if (desired) {
            const live = this.importsInformer().get(key) ?? desired;
            await this.events.event(
              live,
              'Warning',
              EventReason.MemberSyncFailed,
              `cluster ${cluster}: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
      }),
    );
    if (failed.length > 0) {
      throw new MemberImportSyncError(key, failed.sort(), errors[0]);
    }
  }

  /** A Warning event on the import whenever the set of conflicting exports changes. */
  private async reportConflicts(key: string, imp: ServiceImport, res: Resolution): Promise<void> {
    const summary = res.conflicts.join('; ');
    if ((this.reported.get(key) ?? '') === summary) return;
    this.reported.set(key, summary);
    if (summary === '') return;
    const live = this.importsInformer().get(key) ?? imp;
    await this.events.event(live, 'Warning', EventReason.ExportConflict, summary);
  }

  /** Takes the IPs of the stored imports before anything is allocated (restart). */
  private recover(): void {
    if (this.recovered) return;
    this.recovered = true;
    for (const imp of this.importsInformer().list()) {
      for (const ip of imp.spec.ips ?? []) this.ips.reserve(ip);
    }
  }

  private enqueueAll(): void {
    for (const imp of this.importsInformer().list()) this.controller.enqueueObject(imp);
    for (const c of this.opts.informers.for<Cluster>(CLUSTERS).list()) {
      for (const e of (isReady(c) ? this.members.view(c)?.exports.list() : undefined) ?? []) {
        this.controller.enqueueObject(e);
      }
    }
  }

  private importsInformer() {
    return this.opts.informers.for<ServiceImport>(SERVICEIMPORTS, {
      labelSelector: `${LABEL_APP_MANAGED_BY}=${MCS_CONTROLLER_NAME}`,
    });
  }

  private slicesInformer() {
    return this.opts.informers.for<EndpointSlice>(ENDPOINTSLICES, { labelSelector: managed });
  }
}

const sourceOf = (s: EndpointSlice): string => s.metadata.labels?.[LABEL_MCS_SOURCE_CLUSTER] ?? '';
