import { isDeepStrictEqual } from 'node:util';
import { splitKey } from '../../../machinery/meta.js';
import type { ResourceClient } from '../../../machinery/client/kube-client.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import { labelSelectorFromObject } from '../../../machinery/selectors/index.js';
import { DEPLOYMENTS, REPLICASETS, type Deployment, type ReplicaSet } from '../../../api/index.js';
import { adopt, adoptable, isOrphan } from '../adoption.js';
import type { ControllerContext } from '../controller-context.js';
import {
  controllerRef,
  controllerUid,
  equalIgnoreHash,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  revisionOf,
  templateHash,
} from '../pod-template.js';
import { deploymentStatus } from './deployment-status.js';
import { rollingStep } from './rollout.js';

/** Name of this controller (logs, `--controllers`). */
export const ControllerName = 'deployment-controller';

/**
 * Deployment → ReplicaSets: one ReplicaSet per pod template (named and labelled by its
 * `pod-template-hash`), adoption of matching orphan ReplicaSets, rolling updates within
 * maxSurge/maxUnavailable (or Recreate), revision annotations, history cleanup and status with
 * Available/Progressing conditions. Scale needs nothing special: `/scale` writes spec.replicas.
 */
export class DeploymentController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const dInf = ctx.informers.for<Deployment>(DEPLOYMENTS);
    const rsInf = ctx.informers.for<ReplicaSet>(REPLICASETS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [dInf, rsInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    dInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const byOwner = (rs: ReplicaSet): void => {
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment');
      if (ref) this.controller.enqueue(`${rs.metadata.namespace ?? ''}/${ref.name}`);
      else if (isOrphan(rs)) {
        // an orphan may be adopted by any Deployment whose selector matches it
        for (const d of dInf.list(rs.metadata.namespace)) {
          if (labelSelectorFromObject(d.spec.selector).matches(rs.metadata.labels)) {
            this.controller.enqueueObject(d);
          }
        }
      }
    };
    rsInf.addEventHandler({ onAdd: byOwner, onUpdate: (_o, n) => byOwner(n), onDelete: byOwner });
  }

  /** Converges one Deployment (`namespace/name`). */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const d = this.ctx.informers.for<Deployment>(DEPLOYMENTS).get(key);
    if (!d || d.metadata.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const rsClient = this.ctx.client.resource<ReplicaSet>(REPLICASETS, namespace);
    const inNs = this.ctx.informers.for<ReplicaSet>(REPLICASETS).list(namespace);
    const owned = inNs.filter((rs) => controllerUid(rs) === d.metadata.uid);
    owned.push(...(await adopt(rsClient, d, adoptable(inNs, d.spec.selector))));
    const hash = templateHash(d.spec.template);
    // the newest set whose template equals the Deployment's (ignoring the hash label) is current
    let newRs = [...owned]
      .sort((a, b) => revisionOf(b) - revisionOf(a))
      .find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
    const olds = owned.filter((rs) => rs !== newRs);
    if (d.spec.paused === true) {
      // paused: keep the current sets, only follow spec.replicas on the newest one
      const current = newRs ?? [...olds].sort((a, b) => revisionOf(b) - revisionOf(a))[0];
      if (
        current &&
        (current.spec.replicas ?? 0) !== (d.spec.replicas ?? 1) &&
        olds.every((o) => o === current || (o.spec.replicas ?? 0) === 0)
      ) {
        await rsClient
          .patch(current.metadata.name ?? '', { spec: { replicas: d.spec.replicas ?? 1 } }, 'merge')
          .catch(ignoreNotFound);
      }
      await this.writeStatus(d, newRs, newRs ? olds : owned);
      return undefined;
    }
    newRs = await this.ensureNewReplicaSet(d, rsClient, newRs, olds, hash);
    await this.recordRevision(d, revisionOf(newRs));
    const changes =
      d.spec.strategy?.type === 'Recreate'
        ? recreateStep(d, newRs, olds)
        : rollingStep(d, newRs, olds);
    for (const [name, replicas] of changes) {
      const before = owned.find((rs) => rs.metadata.name === name)?.spec.replicas ?? 0;
      await rsClient.patch(name, { spec: { replicas } }, 'merge').catch(ignoreNotFound);
      const verb = replicas > before ? 'up' : 'down';
      await this.ctx.recorder?.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${verb} replica set ${name} to ${String(replicas)}`,
      );
    }
    await this.cleanup(d, olds, changes);
    const recheck = await this.writeStatus(d, newRs, olds);
    return recheck === undefined ? undefined : { requeueAfterMs: recheck };
  }

  /**
   * Sets the Deployment's revision annotation to its newest ReplicaSet's, as Kubernetes does:
   * `kubectl rollout undo` replaces `/metadata/annotations` with a JSON patch, which fails on a
   * Deployment that has none.
   */
  private async recordRevision(d: Deployment, revision: number): Promise<void> {
    if (revision <= 0 || d.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)) return;
    await this.ctx.client
      .resource<Deployment>(DEPLOYMENTS, d.metadata.namespace)
      .patch(
        d.metadata.name ?? '',
        { metadata: { annotations: { [REVISION_ANNOTATION]: String(revision) } } },
        'merge',
      )
      .catch(ignoreNotFound);
  }

  /** Creates the ReplicaSet for the current template, or makes an existing one the newest revision. */
  private async ensureNewReplicaSet(
    d: Deployment,
    rsClient: ResourceClient<ReplicaSet>,
    newRs: ReplicaSet | undefined,
    olds: ReplicaSet[],
    hash: string,
  ): Promise<ReplicaSet> {
    const maxRevision = Math.max(0, ...olds.map(revisionOf), ...(newRs ? [revisionOf(newRs)] : []));
    if (newRs) {
      if (olds.length > 0 && revisionOf(newRs) < maxRevision) {
        // rollback to an older template: it becomes the newest revision again
        return rsClient.patch(
          newRs.metadata.name ?? '',
          { metadata: { annotations: { [REVISION_ANNOTATION]: String(maxRevision + 1) } } },
          'merge',
        );
      }
      return newRs;
    }
    const template = structuredClone(d.spec.template);
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
    };
    // the first ReplicaSet starts at full size; later ones grow step by step
    const firstSize =
      olds.every((o) => (o.spec.replicas ?? 0) === 0) && d.spec.strategy?.type !== 'Recreate'
        ? (d.spec.replicas ?? 1)
        : 0;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name ?? ''}-${hash}`,
        namespace: d.metadata.namespace ?? 'default',
        labels: { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
        annotations: { [REVISION_ANNOTATION]: String(maxRevision + 1) },
        ownerReferences: [controllerRef(d)],
      },
      spec: {
        replicas: firstSize,
        selector: {
          ...d.spec.selector,
          matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash },
        },
        template,
      },
    };
    try {
      const created = await rsClient.create(rs);
      if (firstSize > 0) {
        await this.ctx.recorder?.event(
          d,
          'Normal',
          'ScalingReplicaSet',
          `Scaled up replica set ${created.metadata.name ?? ''} to ${String(firstSize)}`,
        );
      }
      return created;
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      return rsClient.get(rs.metadata.name ?? '');
    }
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(
    d: Deployment,
    olds: ReplicaSet[],
    changes: Map<string, number>,
  ): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = olds
      .filter(
        (rs) =>
          (changes.get(rs.metadata.name ?? '') ?? rs.spec.replicas ?? 0) === 0 &&
          (rs.status?.replicas ?? 0) === 0,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    const rsClient = this.ctx.client.resource<ReplicaSet>(REPLICASETS, d.metadata.namespace);
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      await rsClient.delete(rs.metadata.name ?? '').catch(ignoreNotFound);
    }
  }

  /** Writes status when it changed; returns when to re-check the progress deadline. */
  private async writeStatus(
    d: Deployment,
    newRs: ReplicaSet | undefined,
    olds: ReplicaSet[],
  ): Promise<number | undefined> {
    const { status, recheckAfterMs } = deploymentStatus(d, newRs, olds, this.ctx.now());
    if (!isDeepStrictEqual(d.status ?? {}, status)) {
      const next = structuredClone(d);
      next.status = status;
      await this.ctx.client
        .resource<Deployment>(DEPLOYMENTS, d.metadata.namespace)
        .updateStatus(next)
        .catch(ignoreNotFound);
    }
    return recheckAfterMs;
  }
}

/** Recreate: scale every old set to 0, wait for their pods to go, then scale the new set up. */
function recreateStep(d: Deployment, newRs: ReplicaSet, olds: ReplicaSet[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of olds) if ((o.spec.replicas ?? 0) > 0) out.set(o.metadata.name ?? '', 0);
  const oldPods = olds.reduce((n, o) => n + (o.status?.replicas ?? 0), 0);
  if (out.size === 0 && oldPods === 0 && (newRs.spec.replicas ?? 0) !== (d.spec.replicas ?? 1)) {
    out.set(newRs.metadata.name ?? '', d.spec.replicas ?? 1);
  }
  return out;
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}
