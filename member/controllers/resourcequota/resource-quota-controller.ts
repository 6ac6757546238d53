import { isDeepStrictEqual } from 'node:util';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import { splitKey } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import type { SharedInformer } from '../../../machinery/informer/index.js';
import type { ResourceType } from '../../../machinery/resource-type.js';
import {
  CLASSIC_COUNTED,
  countedType,
  formatQuantity,
  memberResourceTypes,
  objectUsage,
  quotaSelects,
  RESOURCEQUOTAS,
  type ResourceQuota,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';

export const ControllerName = 'resourcequota-controller';

/** How soon a quota waiting for an informer of a counted kind is tried again. */
const NOT_SYNCED_RETRY_MS = 500;

/** A kind a quota may count: its resource and the informer over it. */
interface Counted {
  rt: Pick<ResourceType, 'group' | 'plural'>;
  inf: SharedInformer;
}

/**
 * Kubernetes' resource quota controller: `status.hard` mirrors `spec.hard` and `status.used` is
 * what the namespace uses of each of those resources — pods that are not terminal and their
 * cpu/memory requests and limits, object counts (`configmaps`, `count/deployments.apps`...).
 * Quotas are reconciled when they change and when an object they count comes, changes its usage
 * or goes. Informers of kinds only `count/<resource>.<group>` names are made on first use.
 */
export class ResourceQuotaController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly quotas: SharedInformer<ResourceQuota>;
  private readonly counted = new Map<string, Counted>();
  /** The kinds this member serves, by `group/plural` (version for the informers). */
  private readonly catalogue = new Map<string, GroupVersionResource>();

  constructor(ctx: ControllerContext, served: readonly ResourceType[] = memberResourceTypes) {
    this.ctx = ctx;
    for (const t of served) {
      if (!t.namespaced || t.storageConversion) continue;
      const k = `${t.group}/${t.plural}`;
      if (!this.catalogue.has(k)) {
        this.catalogue.set(k, { group: t.group, version: t.version, resource: t.plural });
      }
    }
    this.quotas = ctx.informers.for<ResourceQuota>(RESOURCEQUOTAS);
    // pods and the classic counts from the start, the rest when a quota names them
    const eager = ['pods', ...CLASSIC_COUNTED]
      .map((p) => this.countedFor('', p))
      .filter((c): c is Counted => c !== undefined);
    this.controller = new Controller({
      name: ControllerName,
      informers: [this.quotas, ...eager.map((c) => c.inf)],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    this.quotas.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
  }

  /** Enqueues every quota of `namespace`. */
  private enqueueNamespace(namespace: string | undefined): void {
    for (const q of this.quotas.list(namespace)) this.controller.enqueueObject(q);
  }

  /** The informer over `group`/`plural` (made on first use), undefined when not served. */
  private countedFor(group: string, plural: string): Counted | undefined {
    const k = `${group}/${plural}`;
    const have = this.counted.get(k);
    if (have) return have;
    const gvr = this.catalogue.get(k);
    if (!gvr) return undefined;
    const rt = { group, plural };
    const inf = this.ctx.informers.for(gvr);
    inf.addEventHandler({
      onAdd: (o) => {
        this.enqueueNamespace(o.metadata.namespace);
      },
      onUpdate: (o, n) => {
        // pods change status all the time: only a change of what they use matters
        if (!isDeepStrictEqual(objectUsage(rt, o), objectUsage(rt, n))) {
          this.enqueueNamespace(n.metadata.namespace);
        }
      },
      onDelete: (o) => {
        this.enqueueNamespace(o.metadata.namespace);
      },
    });
    const c = { rt, inf };
    this.counted.set(k, c);
    return c;
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const { namespace } = splitKey(key);
    const quota = this.quotas.get(key);
    if (!quota) return undefined;
    const hard = quota.spec?.hard ?? {};
    const now = this.ctx.now().getTime();
    const used: Record<string, string> = {};
    let waiting = false;
    for (const r of Object.keys(hard).sort()) {
      const t = countedType(r);
      const c = t ? this.countedFor(t.group, t.plural) : undefined;
      if (c && !c.inf.hasSynced()) waiting = true;
      let sum = 0;
      for (const o of c?.inf.list(namespace) ?? ([] as KubeObject[])) {
        if (quotaSelects(quota, c!.rt, o)) sum += objectUsage(c!.rt, o, now)[r] ?? 0;
      }
      used[r] = formatQuantity(sum, r);
    }
    // a kind named for the first time: count once its informer has listed
    if (waiting) return { requeueAfterMs: NOT_SYNCED_RETRY_MS };
    const status = { hard: { ...hard }, used };
    if (isDeepStrictEqual(quota.status ?? {}, status)) return undefined;
    const copy = structuredClone(quota);
    copy.status = status;
    await this.ctx.client.resource<ResourceQuota>(RESOURCEQUOTAS, namespace).updateStatus(copy);
    return undefined;
  }
}
