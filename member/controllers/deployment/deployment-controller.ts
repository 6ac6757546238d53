import { splitKey, type Condition } from '../../../federation/apis/meta.js';
import { Controller } from '../../../federation/machinery/controller/index.js';
import { AlreadyExistsError, NotFoundError } from '../../../federation/machinery/errors/index.js';
import { DEPLOYMENTS, REPLICASETS, type Deployment, type ReplicaSet } from '../../apis/index.js';
import type { ControllerContext } from '../controller-context.js';
import { controllerRef, controllerUid, POD_TEMPLATE_HASH, REVISION_ANNOTATION, templateHash } from '../pod-template.js';
import { rollingStep } from './rollout.js';

export const ControllerName = 'deployment-controller';

/**
 * Deployment → ReplicaSets: one ReplicaSet per pod template (named by its hash), rolling updates
 * within maxSurge/maxUnavailable (or Recreate), revision annotations, history cleanup, status.
 */
export class DeploymentController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const dInf = ctx.informers.for<Deployment>(DEPLOYMENTS);
    const rsInf = ctx.informers.for<ReplicaSet>(REPLICASETS);
    this.controller = new Controller({ name: ControllerName, informers: [dInf, rsInf], reconcile: (k) => this.reconcile(k), logger: ctx.logger });
    dInf.addEventHandler({ onAdd: this.controller.enqueueObject, onUpdate: (_o, n) => this.controller.enqueueObject(n) });
    const byOwner = (rs: ReplicaSet): void => {
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment');
      if (ref) this.controller.enqueue(`${rs.metadata.namespace ?? ''}/${ref.name}`);
    };
    rsInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
  }

  async reconcile(key: string): Promise<void> {
    const d = this.ctx.informers.for<Deployment>(DEPLOYMENTS).get(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const { namespace } = splitKey(key);
    const rsClient = this.ctx.client.resource<ReplicaSet>(REPLICASETS, namespace);
    const owned = this.ctx.informers.for<ReplicaSet>(REPLICASETS).list(namespace).filter((rs) => controllerUid(rs) === d.metadata.uid);
    const hash = templateHash(d.spec.template);
    let newRs = owned.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
    const olds = owned.filter((rs) => rs !== newRs);
    const maxRevision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0)));
    if (!newRs) {
      const template = structuredClone(d.spec.template);
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
      // the first ReplicaSet starts at full size; later ones grow step by step
      const firstSize = olds.length === 0 ? (d.spec.replicas ?? 1) : 0;
      const rs: ReplicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name ?? ''}-${hash}`,
          namespace: namespace ?? 'default',
          labels: { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
          annotations: { [REVISION_ANNOTATION]: String(maxRevision + 1) },
          ownerReferences: [controllerRef(d)],
        },
        spec: {
          replicas: firstSize,
          selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
          template,
        },
      };
      try {
        newRs = await rsClient.create(rs);
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
        newRs = await rsClient.get(rs.metadata.name ?? '');
      }
    } else if (olds.length > 0 && Number(newRs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) < maxRevision) {
      // rollback to an older template: it becomes the newest revision again
      await rsClient.patch(newRs.metadata.name ?? '', { metadata: { annotations: { [REVISION_ANNOTATION]: String(maxRevision + 1) } } }, 'merge');
    }
    const changes = d.spec.strategy?.type === 'Recreate' ? this.recreateStep(d, newRs, olds) : rollingStep(d, newRs, olds);
    for (const [name, replicas] of changes) {
      await rsClient.patch(name, { spec: { replicas } }, 'merge').catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    }
    await this.cleanup(d, olds, changes);
    await this.writeStatus(d, newRs, olds);
  }

  private recreateStep(d: Deployment, newRs: ReplicaSet, olds: ReplicaSet[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const o of olds) if ((o.spec.replicas ?? 0) > 0) out.set(o.metadata.name ?? '', 0);
    const oldPods = olds.reduce((n, o) => n + (o.status?.replicas ?? 0), 0);
    if (out.size === 0 && oldPods === 0 && (newRs.spec.replicas ?? 0) !== (d.spec.replicas ?? 1)) out.set(newRs.metadata.name ?? '', d.spec.replicas ?? 1);
    return out;
  }

  private async cleanup(d: Deployment, olds: ReplicaSet[], changes: Map<string, number>): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = olds
      .filter((rs) => (changes.get(rs.metadata.name ?? '') ?? rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => Number(a.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) - Number(b.metadata.annotations?.[REVISION_ANNOTATION] ?? 0));
    const rsClient = this.ctx.client.resource<ReplicaSet>(REPLICASETS, d.metadata.namespace);
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      await rsClient.delete(rs.metadata.name ?? '').catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    }
  }

  private async writeStatus(d: Deployment, newRs: ReplicaSet, olds: ReplicaSet[]): Promise<void> {
    const all = [newRs, ...olds];
    const sum = (f: (rs: ReplicaSet) => number | undefined): number => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const replicas = d.spec.replicas ?? 1;
    const available = sum((rs) => rs.status?.availableReplicas);
    const minAvailable = replicas - Math.min(replicas, Math.floor(replicas / 4));
    const old = d.status?.conditions?.find((c) => c.type === 'Available');
    const isAvailable = available >= minAvailable;
    const condition: Condition = {
      type: 'Available',
      status: isAvailable ? 'True' : 'False',
      reason: isAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      message: isAvailable ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
      lastTransitionTime: old && old.status === (isAvailable ? 'True' : 'False') ? (old.lastTransitionTime ?? '') : this.ctx.now().toISOString(),
    };
    const status: NonNullable<Deployment['status']> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: sum((rs) => rs.status?.replicas),
      updatedReplicas: newRs.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
      conditions: [condition],
    };
    if (JSON.stringify(d.status ?? {}) === JSON.stringify(status)) return;
    const next = structuredClone(d);
    next.status = status;
    await this.ctx.client.resource<Deployment>(DEPLOYMENTS, d.metadata.namespace).updateStatus(next).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}
