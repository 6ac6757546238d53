import { isDeepStrictEqual } from 'node:util';
import { splitKey } from '../../../machinery/meta.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import { labelSelectorFromObject } from '../../../machinery/selectors/index.js';
import {
  CONTROLLERREVISIONS,
  DAEMONSETS,
  NODES,
  PODS,
  type ControllerRevision,
  type DaemonSet,
  type Node,
  type Pod,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import {
  CONTROLLER_REVISION_HASH,
  ensureRevision,
  ownedRevisions,
  truncateHistory,
} from '../controller-history.js';
import { controllerUid, isPodActive, isPodReady } from '../pod-template.js';
import { newPod, PodExpectations } from '../workload-pods.js';
import { nodeShouldRunDaemonPod, withDaemonTolerations } from './node-eligibility.js';

/** Name of this controller (logs, `--controllers`). */
export const ControllerName = 'daemonset-controller';

/** One node as the DaemonSet sees it. */
interface NodePlan {
  node: Node;
  run: boolean;
  stay: boolean;
  pods: Pod[];
}

/** `maxUnavailable` of `desired` (a percentage rounds up, as for DaemonSets); at least 1. */
function maxUnavailable(ds: DaemonSet, desired: number): number {
  const v = ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  const n = typeof v === 'number' ? v : Math.ceil((parseInt(v, 10) * desired) / 100);
  return Math.max(1, n);
}

/**
 * Runs one pod per eligible node (nodeSelector, required node affinity, taints against the
 * pod's tolerations plus the standard daemon ones), bound directly through `spec.nodeName` as
 * Kubernetes' DaemonSet controller did before scheduling daemons. Pods on nodes that no longer
 * qualify are deleted; a template change is rolled out within `maxUnavailable`.
 */
export class DaemonSetController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly expectations = new PodExpectations();

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const dsInf = ctx.informers.for<DaemonSet>(DAEMONSETS);
    const podInf = ctx.informers.for<Pod>(PODS);
    const nodeInf = ctx.informers.for<Node>(NODES);
    const revInf = ctx.informers.for<ControllerRevision>(CONTROLLERREVISIONS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [dsInf, podInf, nodeInf, revInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    dsInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const byOwner = (p: Pod): void => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'DaemonSet');
      if (ref) this.controller.enqueue(`${p.metadata.namespace ?? ''}/${ref.name}`);
    };
    podInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
    // any node change (labels, taints, new node) may change where every DaemonSet runs
    const all = (): void => dsInf.list().forEach((d) => this.controller.enqueueObject(d));
    nodeInf.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  /** One reconcile: revision, pods per node, rolling update, status, history. */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const ds = this.ctx.informers.for<DaemonSet>(DAEMONSETS).get(key);
    if (!ds || ds.metadata.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const uid = ds.metadata.uid ?? '';
    const podInf = this.ctx.informers.for<Pod>(PODS);
    if (!this.expectations.satisfied(uid, (n) => podInf.get(`${namespace}/${n}`))) {
      // our last creates/deletes have not reached the cache yet; acting now would double them
      return { requeueAfterMs: 100 };
    }
    const revisions = ownedRevisions(this.ctx.informers, ds);
    const update = await ensureRevision(this.ctx.client, ds, ds.spec.template, revisions);
    const hash = update.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    const template = withDaemonTolerations(ds.spec.template);
    const sel = labelSelectorFromObject(ds.spec.selector);
    const owned = podInf
      .list(namespace)
      .filter((p) => controllerUid(p) === uid && sel.matches(p.metadata.labels));
    const nodes = this.ctx.informers.for<Node>(NODES).list();
    const plans: NodePlan[] = nodes.map((node) => ({
      node,
      ...nodeShouldRunDaemonPod(node, template),
      pods: owned.filter((p) => p.spec.nodeName === node.metadata.name && isPodActive(p)),
    }));
    const known = new Set(nodes.map((n) => n.metadata.name));
    const deletes = owned.filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        (p.status?.phase === 'Failed' || !known.has(p.spec.nodeName)),
    );
    const creates: string[] = [];
    for (const pl of plans) {
      if (!pl.stay) deletes.push(...pl.pods);
      else if (pl.pods.length > 1) deletes.push(...this.extras(pl.pods, hash));
      else if (pl.pods.length === 0 && pl.run) creates.push(pl.node.metadata.name ?? '');
    }
    if (ds.spec.updateStrategy?.type !== 'OnDelete') {
      deletes.push(...this.rollingDeletes(ds, plans, hash));
    }
    await this.createPods(ds, template, hash, creates);
    await this.deletePods(ds, [...new Set(deletes)]);
    await this.writeStatus(ds, plans, hash);
    const inUse = new Set(
      owned.map(
        (p) => `${ds.metadata.name ?? ''}-${p.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? ''}`,
      ),
    );
    inUse.add(update.metadata.name ?? '');
    await truncateHistory(this.ctx.client, revisions, ds.spec.revisionHistoryLimit ?? 10, inUse);
    return undefined;
  }

  /** All but one pod of a node: keep an updated one, else the oldest. */
  private extras(pods: Pod[], hash: string): Pod[] {
    const sorted = [...pods].sort(
      (a, b) =>
        Number(b.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) -
          Number(a.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) ||
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
    );
    return sorted.slice(1);
  }

  /** Old-revision pods to delete now: unready ones freely, ready ones within maxUnavailable. */
  private rollingDeletes(ds: DaemonSet, plans: NodePlan[], hash: string): Pod[] {
    const eligible = plans.filter((p) => p.run || (p.stay && p.pods.length > 0));
    const old = eligible.flatMap((p) =>
      p.pods.filter((x) => x.metadata.labels?.[CONTROLLER_REVISION_HASH] !== hash),
    );
    const unavailable = eligible.filter((p) => !p.pods.some(isPodReady)).length;
    const budget = maxUnavailable(ds, eligible.length) - unavailable;
    const oldUnready = old.filter((p) => !isPodReady(p));
    const oldReady = old.filter(isPodReady);
    return [...oldUnready, ...oldReady.slice(0, Math.max(0, budget))];
  }

  private async createPods(
    ds: DaemonSet,
    template: DaemonSet['spec']['template'],
    hash: string,
    nodes: string[],
  ): Promise<void> {
    const client = this.ctx.client.resource<Pod>(PODS, ds.metadata.namespace);
    const labels = {
      [CONTROLLER_REVISION_HASH]: hash,
      'pod-template-generation': String(ds.metadata.generation ?? 1),
    };
    for (const nodeName of nodes) {
      const p = await client.create(newPod(ds, template, { nodeName, labels }));
      this.expectations.expect(ds.metadata.uid ?? '', [p.metadata.name ?? '']);
      await this.ctx.recorder?.event(
        ds,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${p.metadata.name ?? ''}`,
      );
    }
  }

  private async deletePods(ds: DaemonSet, pods: Pod[]): Promise<void> {
    const client = this.ctx.client.resource<Pod>(PODS, ds.metadata.namespace);
    for (const p of pods) {
      const name = p.metadata.name ?? '';
      try {
        await client.delete(name);
        this.expectations.expect(ds.metadata.uid ?? '', [], [name]);
        await this.ctx.recorder?.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
  }

  private async writeStatus(ds: DaemonSet, plans: NodePlan[], hash: string): Promise<void> {
    const desired = plans.filter((p) => p.run);
    const ready = desired.filter((p) => p.pods.some(isPodReady)).length;
    const status: NonNullable<DaemonSet['status']> = {
      observedGeneration: ds.metadata.generation ?? 1,
      desiredNumberScheduled: desired.length,
      currentNumberScheduled: desired.filter((p) => p.pods.length > 0).length,
      numberMisscheduled: plans.filter((p) => !p.run && p.pods.length > 0).length,
      numberReady: ready,
      updatedNumberScheduled: desired.filter((p) =>
        p.pods.some((x) => x.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash),
      ).length,
      numberAvailable: ready,
      numberUnavailable: desired.length - ready,
    };
    if (isDeepStrictEqual(ds.status ?? {}, status)) return;
    const next = structuredClone(ds);
    next.status = status;
    await this.ctx.client
      .resource<DaemonSet>(DAEMONSETS, ds.metadata.namespace)
      .updateStatus(next)
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }
}
