import type { NodeSelectorRequirement, Pod, Taint, Toleration } from '../../../api/index.js';
import { type FilterPlugin, type NodeInfo, podHostPorts, podRequests } from '../framework.js';

function matchRequirement(labels: Record<string, string>, r: NodeSelectorRequirement): boolean {
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return v !== undefined && (r.values ?? []).includes(v);
    case 'NotIn':
      return v === undefined || !(r.values ?? []).includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
      return v !== undefined && Number(v) > Number(r.values?.[0]);
    case 'Lt':
      return v !== undefined && Number(v) < Number(r.values?.[0]);
  }
}

/** True when all requirements match. */
export function matchExpressions(
  labels: Record<string, string>,
  exprs: NodeSelectorRequirement[] | undefined,
): boolean {
  return (exprs ?? []).every((r) => matchRequirement(labels, r));
}

/** True when some toleration tolerates the taint. */
export function tolerates(tolerations: Toleration[] | undefined, t: Taint): boolean {
  return (tolerations ?? []).some((tol) => {
    if (tol.effect !== undefined && tol.effect !== t.effect) return false;
    if (tol.operator === 'Exists') {
      return tol.key === undefined || tol.key === '' || tol.key === t.key;
    }
    return tol.key === t.key && (tol.value ?? '') === (t.value ?? '');
  });
}

export const nodeName: FilterPlugin = {
  name: 'NodeName',
  filter: (pod, info) =>
    pod.spec.nodeName && pod.spec.nodeName !== info.node.metadata.name
      ? "node(s) didn't match the requested node name"
      : undefined,
};

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter: (pod, info) =>
    info.node.spec?.unschedulable &&
    !tolerates(pod.spec.tolerations, {
      key: 'node.kubernetes.io/unschedulable',
      effect: 'NoSchedule',
    })
      ? 'node(s) were unschedulable'
      : undefined,
};

export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter: (pod: Pod, info: NodeInfo) => {
    const labels = info.node.metadata.labels ?? {};
    for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) {
      if (labels[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
    }
    const terms =
      pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
        ?.nodeSelectorTerms;
    if (
      terms &&
      terms.length > 0 &&
      !terms.some((t) => matchExpressions(labels, t.matchExpressions))
    ) {
      return "node(s) didn't match Pod's node affinity/selector";
    }
    return undefined;
  },
};

export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter: (pod, info) => {
    const bad = (info.node.spec?.taints ?? []).find(
      (t) =>
        (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
        !tolerates(pod.spec.tolerations, t),
    );
    return bad ? `node(s) had untolerated taint {${bad.key}: ${bad.value ?? ''}}` : undefined;
  },
};

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter: (pod, info) => {
    const r = podRequests(pod);
    if (info.pods.length + 1 > info.allocatablePods) return 'Too many pods';
    if (r.cpu > 0 && info.requestedCpu + r.cpu > info.allocatableCpu) return 'Insufficient cpu';
    if (r.memory > 0 && info.requestedMemory + r.memory > info.allocatableMemory) {
      return 'Insufficient memory';
    }
    return undefined;
  },
};

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter: (pod, info) =>
    podHostPorts(pod).some((p) => info.usedHostPorts.has(p))
      ? "node(s) didn't have free ports for the requested pod ports"
      : undefined,
};
