import type { GroupVersionResource, KubeObject, OwnerReference } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import {
  CONTROLLERREVISIONS,
  CRONJOBS,
  DAEMONSETS,
  DEPLOYMENTS,
  ENDPOINTS,
  ENDPOINTSLICES,
  JOBS,
  PODS,
  REPLICASETS,
  SERVICES,
  STATEFULSETS,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';

/** Name of this controller (logs, `--controllers`). */
export const ControllerName = 'garbage-collector';
/** Finalizer the API server adds for `propagationPolicy: Orphan` (Kubernetes' value). */
export const FINALIZER_ORPHAN = 'orphan';
/** Finalizer the API server adds for `propagationPolicy: Foreground` (Kubernetes' value). */
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** Owner kinds the collector understands, and the resources their dependents live in. */
const GRAPH: { kind: string; gvr: GroupVersionResource; dependents: GroupVersionResource[] }[] = [
  { kind: 'Deployment', gvr: DEPLOYMENTS, dependents: [REPLICASETS] },
  { kind: 'ReplicaSet', gvr: REPLICASETS, dependents: [PODS] },
  { kind: 'StatefulSet', gvr: STATEFULSETS, dependents: [PODS, CONTROLLERREVISIONS] },
  { kind: 'DaemonSet', gvr: DAEMONSETS, dependents: [PODS, CONTROLLERREVISIONS] },
  { kind: 'CronJob', gvr: CRONJOBS, dependents: [JOBS] },
  { kind: 'Job', gvr: JOBS, dependents: [PODS] },
  // the EndpointSlice controller's slices, and the mirroring controller's
  { kind: 'Service', gvr: SERVICES, dependents: [ENDPOINTSLICES] },
  { kind: 'Endpoints', gvr: ENDPOINTS, dependents: [ENDPOINTSLICES] },
];

const gvrKey = (g: GroupVersionResource): string => `${g.group}/${g.resource}`;

/**
 * Owner-reference garbage collection: dependents whose owners are gone are deleted; owners being
 * deleted with the `orphan` finalizer release their dependents, with `foregroundDeletion` they
 * wait until the dependents are gone.
 */
export class GarbageCollector {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const all = [
      ...new Map(
        [...GRAPH.map((g) => g.gvr), ...GRAPH.flatMap((g) => g.dependents)].map((g) => [
          gvrKey(g),
          g,
        ]),
      ).values(),
    ];
    const informers = all.map((g) => ctx.informers.for(g));
    this.controller = new Controller({
      name: ControllerName,
      informers,
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    all.forEach((g, i) => {
      const enqueueOwners = (o: KubeObject): void => {
        for (const ref of o.metadata.ownerReferences ?? []) {
          const owner = GRAPH.find((x) => x.kind === ref.kind);
          if (owner) {
            this.controller.enqueue(
              `${gvrKey(owner.gvr)}|${o.metadata.namespace ?? ''}/${ref.name}`,
            );
          }
        }
      };
      const enqueue = (o: KubeObject): void => {
        this.controller.enqueue(
          `${gvrKey(g)}|${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`,
        );
        enqueueOwners(o);
      };
      informers[i]?.addEventHandler({
        onAdd: enqueue,
        onUpdate: (_o, n) => enqueue(n),
        onDelete: (o) => {
          // a dependent disappeared: an owner deleted in the foreground may now finish
          enqueueOwners(o);
          // an owner disappeared: look at its dependents
          const node = GRAPH.find((x) => gvrKey(x.gvr) === gvrKey(g));
          for (const dg of node?.dependents ?? []) {
            for (const d of ctx.informers.for(dg).list(o.metadata.namespace)) {
              if (d.metadata.ownerReferences?.some((r) => r.uid === o.metadata.uid)) {
                this.controller.enqueue(
                  `${gvrKey(dg)}|${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''}`,
                );
              }
            }
          }
        },
      });
    });
  }

  private gvrOf(key: string): GroupVersionResource | undefined {
    const k = key.split('|')[0];
    return [...GRAPH.map((g) => g.gvr), ...GRAPH.flatMap((g) => g.dependents)].find(
      (g) => gvrKey(g) === k,
    );
  }

  async reconcile(key: string): Promise<void> {
    const gvr = this.gvrOf(key);
    const objKey = key.split('|')[1] ?? '';
    if (!gvr) return;
    const obj = this.ctx.informers.for(gvr).get(objKey);
    if (!obj) return;
    const ns = obj.metadata.namespace;
    const client = this.ctx.client.resource(gvr, ns);
    const node = GRAPH.find((g) => gvrKey(g.gvr) === gvrKey(gvr));
    if (obj.metadata.deletionTimestamp) {
      // a leaf kind (Pod) has no dependents: its orphan/foreground finalizers go at once
      const deps = (node?.dependents ?? []).flatMap((dg) =>
        this.ctx.informers
          .for(dg)
          .list(ns)
          .filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid))
          .map((d) => ({ dg, d })),
      );
      const fins = obj.metadata.finalizers ?? [];
      if (fins.includes(FINALIZER_ORPHAN)) {
        for (const { dg, d } of deps) {
          await this.ctx.client
            .resource(dg, ns)
            .patch(
              d.metadata.name ?? '',
              { metadata: { ownerReferences: remainingOwners(d, obj) } },
              'merge',
            );
        }
        await client.patch(
          obj.metadata.name ?? '',
          { metadata: { finalizers: fins.filter((f) => f !== FINALIZER_ORPHAN) } },
          'merge',
        );
      } else if (fins.includes(FINALIZER_FOREGROUND)) {
        if (deps.length === 0) {
          await client.patch(
            obj.metadata.name ?? '',
            { metadata: { finalizers: fins.filter((f) => f !== FINALIZER_FOREGROUND) } },
            'merge',
          );
        } else {
          for (const { dg, d } of deps) {
            await this.ctx.client
              .resource(dg, ns)
              .delete(d.metadata.name ?? '', { propagationPolicy: 'Foreground' })
              .catch(ignoreNotFound);
          }
        }
      }
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const alive = refs.some((r) => {
      const owner = GRAPH.find((g) => g.kind === r.kind);
      if (!owner) return true; // unknown owner kinds are never collected
      const o = this.ctx.informers.for(owner.gvr).get(`${ns ?? ''}/${r.name}`);
      return o !== undefined && o.metadata.uid === r.uid;
    });
    if (!alive) {
      await client
        .delete(obj.metadata.name ?? '', { propagationPolicy: 'Background' })
        .catch(ignoreNotFound);
    }
  }
}

/** `d`'s owner references but `owner`'s; null (removed, as Kubernetes omits it) when none remain. */
function remainingOwners(d: KubeObject, owner: KubeObject): OwnerReference[] | null {
  const rest = (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
  return rest.length > 0 ? rest : null;
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}
