import { objectKey, type GroupVersionResource, type KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory, SharedInformer } from '../../../machinery/informer/index.js';
import {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
} from '../../../machinery/registry/generic-registry.js';
import { FEDERATION_CLEANUP_FINALIZERS, removeFinalizers } from '../finalizers.js';

export const ControllerName = 'garbage-collector-controller';

/** A resource served by the federation API (what `kubectl delete --cascade` can be used on). */
export interface CollectedType {
  gvr: GroupVersionResource;
  namespaced: boolean;
}

/** Options for {@link GarbageCollectorController}. */
export interface GarbageCollectorOptions {
  client: KubeClient;
  informers: InformerFactory;
  /** Every type the federation serves. */
  types: CollectedType[];
  logger: Logger;
  /** How often an owner waiting for foreground deletion of its dependents is re-checked. @defaultValue 1000 */
  foregroundPollMs?: number;
}

const gvrKey = (g: GroupVersionResource): string => `${g.group}/${g.version}/${g.resource}`;

/**
 * The federation API server's garbage collector for the deletion finalizers the API server itself
 * adds: `orphan` (`--cascade=orphan`: dependents lose their ownerReference to the object) and
 * `foregroundDeletion` (`--cascade=foreground`: dependents are deleted first). Without it such a
 * delete never finishes. Dependents are found through ownerReferences (uid) among the served
 * types — in the federation these are the ResourceBindings owned by templates.
 *
 * It waits while a federation cleanup finalizer is present: those controllers read `orphan` /
 * `foregroundDeletion` to decide how to clean members up, so they must finish first.
 */
export class GarbageCollectorController {
  readonly controller: Controller;
  private readonly opts: GarbageCollectorOptions;
  private readonly byKey = new Map<string, { type: CollectedType; informer: SharedInformer }>();

  constructor(opts: GarbageCollectorOptions) {
    this.opts = opts;
    for (const type of opts.types) {
      const informer = opts.informers.for(type.gvr);
      this.byKey.set(gvrKey(type.gvr), { type, informer });
      const enqueue = (o: KubeObject): void => {
        if (o.metadata.deletionTimestamp) {
          this.controller.enqueue(`${gvrKey(type.gvr)}|${objectKey(o)}`);
        }
      };
      informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
    }
    this.controller = new Controller({
      name: ControllerName,
      informers: [...this.byKey.values()].map((x) => x.informer),
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
      workers: 2,
    });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const [g, objKey] = key.split('|');
    const entry = this.byKey.get(g ?? '');
    const obj = entry?.informer.get(objKey ?? '');
    if (!entry || !obj?.metadata.deletionTimestamp) return undefined;
    const fins = obj.metadata.finalizers ?? [];
    if (!fins.includes(FINALIZER_ORPHAN) && !fins.includes(FINALIZER_FOREGROUND)) return undefined;
    if (fins.some((f) => FEDERATION_CLEANUP_FINALIZERS.includes(f))) return undefined;
    const dependents = this.dependents(obj);
    if (fins.includes(FINALIZER_ORPHAN)) {
      for (const d of dependents) await this.release(d, obj);
    } else if (dependents.length > 0) {
      for (const d of dependents) {
        if (d.object.metadata.deletionTimestamp) continue;
        await this.opts.client
          .resource(d.type.gvr, d.object.metadata.namespace)
          .delete(d.object.metadata.name ?? '', { propagationPolicy: 'Foreground' })
          .catch(ignoreNotFound);
      }
      // dependents still there: the owner stays until they are gone
      return { requeueAfterMs: this.opts.foregroundPollMs ?? 1000 };
    }
    await removeFinalizers(this.opts.client, entry.type.gvr, obj, [
      FINALIZER_ORPHAN,
      FINALIZER_FOREGROUND,
    ]);
    return undefined;
  }

  /** Objects (of the served types, in the owner's namespace) with an ownerReference to `owner`. */
  private dependents(owner: KubeObject): { type: CollectedType; object: KubeObject }[] {
    const uid = owner.metadata.uid;
    if (!uid) return [];
    return [...this.byKey.values()].flatMap(({ type, informer }) =>
      informer
        .list(type.namespaced ? owner.metadata.namespace : undefined)
        .filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid))
        .map((object) => ({ type, object })),
    );
  }

  /** Orphaning: drops the ownerReference to `owner` (conditional on the cached resourceVersion). */
  private async release(
    d: { type: CollectedType; object: KubeObject },
    owner: KubeObject,
  ): Promise<void> {
    const refs = (d.object.metadata.ownerReferences ?? []).filter(
      (r) => r.uid !== owner.metadata.uid,
    );
    await this.opts.client
      .resource(d.type.gvr, d.object.metadata.namespace)
      .patch(
        d.object.metadata.name ?? '',
        {
          metadata: {
            ownerReferences: refs,
            ...(d.object.metadata.resourceVersion !== undefined
              ? { resourceVersion: d.object.metadata.resourceVersion }
              : {}),
          },
        },
        'merge',
      )
      .catch(ignoreNotFound);
  }
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}
