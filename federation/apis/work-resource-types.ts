/** The Work resource type and the pull-mode admission rules of Clusters and Works. */
import { ForbiddenError } from '../../machinery/errors/index.js';
import type { GroupVersionResource, StatusCause } from '../../machinery/meta.js';
import type { ResourceType, UpdateAdmissionContext } from '../../machinery/resource-type.js';
import type { Cluster } from './federation-types.js';
import {
  clusterOfAgent,
  clusterOfExecutionNamespace,
  WorkApplied,
  WorkAvailable,
  type Work,
} from './work-types.js';

const conditionOf = (w: Work, type: string): string =>
  w.status?.conditions?.find((c) => c.type === type)?.status ?? '';

function validateWork(w: Work): StatusCause[] {
  const manifests = (w.spec as Partial<Work['spec']> | undefined)?.workload?.manifests;
  if (!Array.isArray(manifests)) {
    return [
      { reason: 'FieldValueRequired', field: 'spec.workload.manifests', message: 'Required value' },
    ];
  }
  return manifests.flatMap((m, i) =>
    typeof m !== 'object' || !m.apiVersion || !m.kind || !m.metadata.name
      ? [
          {
            reason: 'FieldValueRequired',
            field: `spec.workload.manifests[${String(i)}]`,
            message: 'apiVersion, kind and metadata.name are required',
          },
        ]
      : [],
  );
}

/**
 * An agent (`system:flotilla:agent:<c>`, whose RBAC reaches only `fed-es-<c>`) may change a Work's
 * status and, on the main resource, only its finalizers: the manifests are the federation's word.
 */
function admitWorkUpdate(obj: Work, old: Work, ctx: UpdateAdmissionContext): void {
  const cluster = clusterOfAgent(ctx.user);
  if (cluster === undefined) return;
  if (clusterOfExecutionNamespace(obj.metadata.namespace) !== cluster) {
    throw new ForbiddenError(
      `agent of cluster ${cluster} may only write Works in its own execution namespace`,
    );
  }
  if (ctx.subresource === 'status') return;
  const strip = (w: Work): unknown => ({
    spec: w.spec,
    labels: w.metadata.labels ?? {},
    annotations: w.metadata.annotations ?? {},
  });
  if (JSON.stringify(strip(obj)) !== JSON.stringify(strip(old))) {
    throw new ForbiddenError(
      `agent of cluster ${cluster} may only change the finalizers and status of Work ${old.metadata.name ?? ''}`,
    );
  }
}

/** `work.flotilla.io/v1alpha1` Work (namespaced, status subresource). */
export const workType: ResourceType<Work> = {
  group: 'work.flotilla.io',
  version: 'v1alpha1',
  kind: 'Work',
  plural: 'works',
  singular: 'work',
  namespaced: true,
  shortNames: ['wk'],
  subresources: { status: true },
  validate: validateWork,
  admitUpdate: admitWorkUpdate,
  printerColumns: [
    { name: 'Applied', type: 'string', value: (w) => conditionOf(w, WorkApplied) },
    { name: 'Available', type: 'string', value: (w) => conditionOf(w, WorkAvailable) },
  ],
};

/**
 * Create admission of Clusters: an agent may register only its own cluster, in Pull mode and
 * without credentials for the federation to use (so it can never point the federation's push
 * machinery at anything). Other users are left to RBAC.
 */
export function admitClusterCreate(c: Cluster, ctx: { user: string }): void {
  const cluster = clusterOfAgent(ctx.user);
  if (cluster === undefined) return;
  if (c.metadata.name !== cluster || c.spec.syncMode !== 'Pull' || c.spec.secretRef !== undefined) {
    throw new ForbiddenError(
      `agent of cluster ${cluster} may only create Cluster ${cluster} with syncMode Pull and no secretRef`,
    );
  }
}

/** Update admission of Clusters: an agent may not change its Cluster's spec or metadata. */
export function admitClusterUpdate(c: Cluster, old: Cluster, ctx: UpdateAdmissionContext): void {
  const cluster = clusterOfAgent(ctx.user);
  if (cluster === undefined) return;
  if (old.metadata.name !== cluster || ctx.subresource !== 'status') {
    throw new ForbiddenError(
      `agent of cluster ${cluster} may only write the status of Cluster ${cluster}`,
    );
  }
  if (JSON.stringify(c.spec) !== JSON.stringify(old.spec)) {
    throw new ForbiddenError(`agent of cluster ${cluster} may not change the Cluster's spec`);
  }
}

/** `work.flotilla.io/v1alpha1` `works`. */
export const WORKS: GroupVersionResource = {
  group: 'work.flotilla.io',
  version: 'v1alpha1',
  resource: 'works',
};
