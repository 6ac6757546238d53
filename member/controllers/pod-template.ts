import type { Pod, ReplicaSet } from '../../api/index.js';
import { controllerRef } from '../../api/index.js';

// the template hash and revision helpers live in api/ (the federation's revision history uses them)
export {
  controllerRef,
  controllerUid,
  equalIgnoreHash,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  revisionOf,
  templateHash,
} from '../../api/index.js';

/** A new pod for a ReplicaSet. */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = structuredClone(rs.spec.template);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name ?? 'pod'}-`,
      namespace: rs.metadata.namespace ?? 'default',
      labels: t.metadata?.labels ?? {},
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [controllerRef(rs)],
    },
    spec: t.spec,
  };
}

/** True when the pod's Ready condition is True. */
export function isPodReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** True for pods that count toward replicas (not terminating, not finished). */
export function isPodActive(p: Pod): boolean {
  return (
    p.metadata.deletionTimestamp === undefined &&
    p.status?.phase !== 'Succeeded' &&
    p.status?.phase !== 'Failed'
  );
}
