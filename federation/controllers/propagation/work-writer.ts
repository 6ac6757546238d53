/**
 * Pull clusters: instead of calling the member, the propagation controller writes one Work per
 * (template, cluster) into the execution namespace `fed-es-<cluster>` and reads back what the
 * agent reported in its status.
 */
import {
  ANNOTATION_CONFLICT_RESOLUTION,
  ANNOTATION_WORK_ORPHAN,
  executionNamespace,
  isPullCluster,
  LABEL_WORK_CLUSTER,
  WORKS,
  WorkApplied,
  workName,
  type Cluster,
  type Work,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { AlreadyExistsError } from '../../../machinery/errors/index.js';
import type { Lister } from '../../../machinery/informer/index.js';
import { templateLabel, type ReleaseOptions } from './member-cleanup.js';
import { LABEL_TEMPLATE } from './member-object.js';
import { ignoreNotFound, type ConflictResolution } from './member-writer.js';
import type { ApplyResult, TemplateType } from './template-type.js';

/** The template a Work was written for (from its LABEL_TEMPLATE `<kind>.<namespace>.<name>`). */
export function templateOfWork(
  w: Work,
): { kind: string; namespace: string | undefined; name: string } | undefined {
  const label = w.metadata.labels?.[LABEL_TEMPLATE];
  const m = label === undefined ? null : /^([^.]+)\.([^.]*)\.(.+)$/.exec(label);
  if (!m) return undefined;
  return { kind: m[1] ?? '', namespace: m[2] || undefined, name: m[3] ?? '' };
}

export { isPullCluster };

/** Writes and releases the Works of pull clusters. */
export class WorkWriter {
  private readonly client: KubeClient;
  private readonly works: Lister<Work>;

  constructor(client: KubeClient, works: Lister<Work>) {
    this.client = client;
    this.works = works;
  }

  /**
   * Creates or updates the Work holding `desired` for `cluster` and reports what the agent said
   * about the current generation: applied (with the member object's status) or not, and why.
   * @throws when the federation refuses the write (the caller turns it into a failed result)
   */
  async apply(
    cluster: Cluster,
    t: TemplateType,
    tmpl: KubeObject,
    desired: KubeObject,
    conflictResolution: ConflictResolution | undefined,
  ): Promise<ApplyResult> {
    const name = cluster.metadata.name ?? '';
    const ns = executionNamespace(name);
    const wname = workName(t.kind, tmpl.metadata.namespace, tmpl.metadata.name ?? '');
    const labels = {
      [LABEL_TEMPLATE]: templateLabel(t.kind, tmpl.metadata.namespace, tmpl.metadata.name ?? ''),
      [LABEL_WORK_CLUSTER]: name,
    };
    const annotations = { [ANNOTATION_CONFLICT_RESOLUTION]: conflictResolution ?? 'Abort' };
    const want: Work = {
      apiVersion: `${WORKS.group}/${WORKS.version}`,
      kind: 'Work',
      metadata: { name: wname, namespace: ns, labels, annotations },
      spec: { workload: { manifests: [desired] } },
    };
    const rc = this.client.resource<Work>(WORKS, ns);
    let work = this.works.get(`${ns}/${wname}`);
    if (!work) {
      work = await rc.create(want).catch(async (err: unknown) => {
        if (err instanceof AlreadyExistsError) return rc.get(wname);
        throw err;
      });
    }
    if (work.metadata.deletionTimestamp) {
      // an earlier removal is still being cleaned up by the agent; recreated once it is gone
      return { cluster: name, applied: false, message: `Work ${ns}/${wname} is being deleted` };
    }
    if (
      JSON.stringify(work.spec) !== JSON.stringify(want.spec) ||
      JSON.stringify(work.metadata.labels) !== JSON.stringify(labels) ||
      JSON.stringify(work.metadata.annotations) !== JSON.stringify(annotations)
    ) {
      work = await rc.update({
        ...structuredClone(work),
        metadata: { ...work.metadata, labels, annotations },
        spec: want.spec,
      });
    }
    return resultOf(name, work, desired);
  }

  /**
   * Deletes the template's Work in `cluster` (first marking it orphan when asked); the agent's
   * finalizer keeps it until the member objects are gone. A Work that is gone, or whose deletion
   * was issued when `waitGone` is not set, counts as released.
   * @returns true when nothing is left to wait for
   */
  async release(
    cluster: Cluster,
    t: TemplateType,
    tmpl: KubeObject,
    opts: ReleaseOptions,
  ): Promise<boolean> {
    const ns = executionNamespace(cluster.metadata.name ?? '');
    const wname = workName(t.kind, tmpl.metadata.namespace, tmpl.metadata.name ?? '');
    const rc = this.client.resource<Work>(WORKS, ns);
    // deletion paths read the federation itself, not the cache
    let work = await rc.get(wname).catch(ignoreNotFound);
    if (!work) return true;
    if (opts.orphan && work.metadata.annotations?.[ANNOTATION_WORK_ORPHAN] !== 'true') {
      work = await rc.update({
        ...structuredClone(work),
        metadata: {
          ...work.metadata,
          annotations: { ...(work.metadata.annotations ?? {}), [ANNOTATION_WORK_ORPHAN]: 'true' },
        },
      });
    }
    const pending = work.metadata.deletionTimestamp
      ? work
      : await rc.delete(wname).catch(ignoreNotFound);
    return pending === undefined || !opts.waitGone;
  }
}

/** The ApplyResult of a Work: applied when the agent applied its current generation. */
function resultOf(cluster: string, work: Work, desired: KubeObject): ApplyResult {
  const cond = work.status?.conditions?.find((c) => c.type === WorkApplied);
  if (!cond || cond.observedGeneration !== work.metadata.generation) {
    return { cluster, applied: false, message: `waiting for the agent of cluster ${cluster}` };
  }
  if (cond.status !== 'True') {
    return { cluster, applied: false, message: cond.message ?? cond.reason ?? 'not applied' };
  }
  const ms = work.status?.manifestStatuses?.find((m) => m.identifier.ordinal === 0);
  return {
    cluster,
    applied: true,
    object: { ...desired, ...(ms?.status ? { status: ms.status } : {}) },
  };
}
