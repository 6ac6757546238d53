/** Which nodes a DaemonSet's pod belongs on (Kubernetes' daemon `NodeShouldRunDaemonPod`). */
import type { Node, PodTemplateSpec, Toleration } from '../../../api/index.js';
import { matchExpressions, tolerates } from '../../scheduler/plugins/filters.js';

/**
 * Tolerations every daemon pod gets, as Kubernetes adds them: daemons keep running on nodes that
 * are not ready, unreachable, under resource pressure or cordoned.
 */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** The template with the daemon tolerations added (those it lacks). */
export function withDaemonTolerations(t: PodTemplateSpec): PodTemplateSpec {
  const out = structuredClone(t);
  const have = out.spec.tolerations ?? [];
  const missing = DAEMON_TOLERATIONS.filter(
    (d) => !have.some((h) => h.key === d.key && h.effect === d.effect),
  );
  if (missing.length > 0) out.spec.tolerations = [...have, ...missing.map((d) => ({ ...d }))];
  return out;
}

/** True when the node's labels satisfy nodeSelector and required node affinity. */
function selectorMatches(node: Node, t: PodTemplateSpec): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(t.spec.nodeSelector ?? {})) {
    if (labels[k] !== v) return false;
  }
  const terms =
    t.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms;
  return (
    !terms || terms.length === 0 || terms.some((x) => matchExpressions(labels, x.matchExpressions))
  );
}

/**
 * Whether a daemon pod should be placed on `node` (`run`) and whether an existing one may stay
 * (`stay`). Untolerated NoSchedule taints block placement only; NoExecute taints also evict.
 * `t` must already carry the daemon tolerations.
 */
export function nodeShouldRunDaemonPod(
  node: Node,
  t: PodTemplateSpec,
): { run: boolean; stay: boolean } {
  if (!selectorMatches(node, t)) return { run: false, stay: false };
  const taints = node.spec?.taints ?? [];
  const untolerated = (effect: string): boolean =>
    taints.some((x) => x.effect === effect && !tolerates(t.spec.tolerations, x));
  const stay = !untolerated('NoExecute');
  return { run: stay && !untolerated('NoSchedule'), stay };
}
