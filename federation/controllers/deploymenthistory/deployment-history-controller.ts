/**
 * The federation's Deployment revision history, so that `kubectl rollout history` and `kubectl
 * rollout undo` work at the federation API as against a cluster. kubectl does both on the client:
 * it lists the ReplicaSets the Deployment controls, reads their `deployment.kubernetes.io/revision`
 * (and `kubernetes.io/change-cause`), and undo patches the Deployment's template with the chosen
 * one's. A federation runs no Deployment controller, so this one keeps those records: one
 * ReplicaSet per distinct pod template, numbered as Kubernetes numbers them.
 */
import { splitKey, type KubeObject } from '../../../machinery/meta.js';
import type { KubeClient, ResourceClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory, SharedInformer } from '../../../machinery/informer/index.js';
import {
  controllerRef,
  controllerUid,
  DEPLOYMENTS,
  equalIgnoreHash,
  EventRecorder,
  REPLICASETS,
  REVISION_ANNOTATION,
  revisionOf,
  type Deployment,
  type ReplicaSet,
} from '../../../api/index.js';
import {
  controllingDeployment,
  hasAnnotations,
  historyAnnotations,
  historyReplicaSet,
} from './history-replica-set.js';

/** Name of this controller (logs, events). */
export const ControllerName = 'deployment-history-controller';
/** Event reason: the history ReplicaSet's name is taken by an object this controller does not own. */
export const REASON_NAME_TAKEN = 'HistoryReplicaSetNameTaken';
/** `spec.revisionHistoryLimit` when unset (Kubernetes' default). */
export const DEFAULT_HISTORY_LIMIT = 10;

/** Options for {@link DeploymentHistoryController}. */
export interface DeploymentHistoryOptions {
  client: KubeClient;
  informers: InformerFactory;
  logger: Logger;
  /** Records the Deployments' events. @defaultValue a recorder writing through `client` */
  events?: EventRecorder;
  /** Deployments reconciled at once. @defaultValue 2 */
  workers?: number;
}

/**
 * Deployment → history ReplicaSets at the federation. For each Deployment: the ReplicaSet of its
 * current template exists (`<name>-<pod-template-hash>`, 0 replicas, a controller ownerReference)
 * and carries the newest revision — a template seen before gets its old ReplicaSet back, renumbered
 * to max+1, as after a rollback in Kubernetes; the Deployment's `deployment.kubernetes.io/revision`
 * names it; old ones beyond `spec.revisionHistoryLimit` are deleted, oldest revision first.
 *
 * They are records only: the propagation skips objects controlled by a propagated kind, so they
 * never reach a member (members keep their own). The federation's garbage collector handles only
 * `orphan`/`foregroundDeletion`, so a Deployment gone (or replaced under the same name) has its
 * history deleted here. A paused Deployment gets no new record, as in Kubernetes.
 */
export class DeploymentHistoryController {
  readonly controller: Controller;
  private readonly opts: DeploymentHistoryOptions;
  private readonly deployments: SharedInformer<Deployment>;
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly events: EventRecorder;

  constructor(opts: DeploymentHistoryOptions) {
    this.opts = opts;
    this.deployments = opts.informers.for<Deployment>(DEPLOYMENTS);
    this.replicaSets = opts.informers.for<ReplicaSet>(REPLICASETS);
    this.events =
      opts.events ??
      new EventRecorder({
        client: opts.client,
        component: ControllerName,
        logger: opts.logger,
        now: () => new Date(),
      });
    this.controller = new Controller({
      name: ControllerName,
      informers: [this.deployments, this.replicaSets],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
      workers: opts.workers ?? 2,
    });
    const enqueue = this.controller.enqueueObject;
    this.deployments.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_o, n) => enqueue(n),
      onDelete: enqueue,
    });
    // a record changed or gone (kubectl delete rs, the history limit) brings its Deployment back
    const byOwner = (rs: ReplicaSet): void => {
      const owner = controllingDeployment(rs);
      if (owner !== undefined) this.controller.enqueue(`${rs.metadata.namespace ?? ''}/${owner}`);
    };
    this.replicaSets.addEventHandler({
      onAdd: byOwner,
      onUpdate: (_o, n) => byOwner(n),
      onDelete: byOwner,
    });
  }

  /** Converges the history of one Deployment (`namespace/name`). */
  async reconcile(key: string): Promise<undefined> {
    const { namespace, name } = splitKey(key);
    const d = this.deployments.get(key);
    const ofName = this.replicaSets
      .list(namespace)
      .filter((rs) => controllingDeployment(rs) === name && !rs.metadata.deletionTimestamp);
    const rsClient = this.opts.client.resource<ReplicaSet>(REPLICASETS, namespace);
    // the Deployment is gone, or this name now belongs to another one: its history goes too
    for (const rs of ofName.filter((r) => !d || controllerUid(r) !== d.metadata.uid)) {
      await deleteRecord(rsClient, rs);
    }
    // being deleted: a foreground delete takes the records first (garbage collector), else they
    // go once the Deployment is gone
    if (!d || d.metadata.deletionTimestamp) return undefined;
    const owned = ofName.filter((rs) => controllerUid(rs) === d.metadata.uid);
    const current = await this.ensureCurrent(d, owned, rsClient);
    if (!current) return undefined;
    await this.syncDeploymentRevision(d, revisionOf(current));
    const olds = owned
      .filter((rs) => rs.metadata.name !== current.metadata.name)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    const limit = d.spec.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT;
    for (const rs of olds.slice(0, Math.max(0, olds.length - limit))) {
      await deleteRecord(rsClient, rs);
    }
    return undefined;
  }

  /**
   * The record of the Deployment's current template at the newest revision: an existing one
   * (renumbered to max+1 when an older revision's template came back), else a new one. Undefined
   * when there is none to use (paused, or its name taken by another owner).
   */
  private async ensureCurrent(
    d: Deployment,
    owned: ReplicaSet[],
    rsClient: ResourceClient<ReplicaSet>,
  ): Promise<ReplicaSet | undefined> {
    const found = [...owned]
      .sort((a, b) => revisionOf(b) - revisionOf(a))
      .find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
    const maxOld = Math.max(0, ...owned.filter((rs) => rs !== found).map(revisionOf));
    if (found) {
      const revision = revisionOf(found) > maxOld ? revisionOf(found) : maxOld + 1;
      const annotations = historyAnnotations(d, revision);
      if (hasAnnotations(found, annotations)) return found;
      return rsClient.patch(found.metadata.name ?? '', { metadata: { annotations } }, 'merge');
    }
    if (d.spec.paused === true) return undefined;
    const rs = historyReplicaSet(d, maxOld + 1);
    try {
      return await rsClient.create(rs);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      return this.adoptExisting(d, rs, rsClient);
    }
  }

  /**
   * The record's name exists already: ours (a create the cache has not shown yet), an orphan
   * (its Deployment was deleted with `--cascade=orphan`) adopted as Kubernetes adopts, or another
   * owner's — a user error recorded as a Warning event, not retried (nothing here can fix it).
   */
  private async adoptExisting(
    d: Deployment,
    want: ReplicaSet,
    rsClient: ResourceClient<ReplicaSet>,
  ): Promise<ReplicaSet | undefined> {
    const name = want.metadata.name ?? '';
    const existing = await rsClient.get(name);
    const owner = controllerUid(existing);
    if (owner === d.metadata.uid) return existing;
    if (owner === undefined && equalIgnoreHash(existing.spec.template, d.spec.template)) {
      return rsClient.patch(
        name,
        {
          metadata: {
            ownerReferences: [
              ...(existing.metadata.ownerReferences ?? []),
              controllerRef({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' }),
            ],
            annotations: want.metadata.annotations ?? {},
            ...(existing.metadata.resourceVersion !== undefined
              ? { resourceVersion: existing.metadata.resourceVersion }
              : {}),
          },
        },
        'merge',
      );
    }
    await this.events.event(
      withKind(d),
      'Warning',
      REASON_NAME_TAKEN,
      `ReplicaSet "${name}" exists and is not controlled by this Deployment: revision history not recorded`,
    );
    return undefined;
  }

  /** Sets the Deployment's `deployment.kubernetes.io/revision` to the current record's. */
  private async syncDeploymentRevision(d: Deployment, revision: number): Promise<void> {
    if (d.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)) return;
    await this.opts.client
      .resource<Deployment>(DEPLOYMENTS, d.metadata.namespace)
      .patch(
        d.metadata.name ?? '',
        { metadata: { annotations: { [REVISION_ANNOTATION]: String(revision) } } },
        'merge',
      )
      .catch(ignoreNotFound);
  }
}

/** Deletes one record (already gone is fine). */
async function deleteRecord(rsClient: ResourceClient<ReplicaSet>, rs: ReplicaSet): Promise<void> {
  await rsClient.delete(rs.metadata.name ?? '').catch(ignoreNotFound);
}

/** A cached Deployment with its kind set (list items may lack it), for events. */
function withKind(d: Deployment): KubeObject {
  return { ...d, apiVersion: 'apps/v1', kind: 'Deployment' };
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}
