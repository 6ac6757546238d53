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

/** True when some toleration tolerates the taint (a plain loop: it runs per node and taint). */
export function tolerates(tolerations: Toleration[] | undefined, t: Taint): boolean {
  if (tolerations === undefined) return false;
  for (const tol of tolerations) {
    if (tol.effect !== undefined && tol.effect !== t.effect) continue;
    if (tol.operator === 'Exists') {
      if (tol.key === undefined || tol.key === '' || tol.key === t.key) return true;
    } else if (tol.key === t.key && (tol.value ?? '') === (t.value ?? '')) return true;
  }
  return false;
}

export const nodeName: FilterPlugin = {
  name: 'NodeName',
  skip: (pod) => !pod.spec.nodeName,
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

/** True when the pod has neither a nodeSelector nor required node affinity terms. */
function noNodeAffinity(pod: Pod): boolean {
  const sel = pod.spec.nodeSelector;
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms;
  return (sel === undefined || Object.keys(sel).length === 0) && !terms?.length;
}

export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  skip: noNodeAffinity,
  filter: (pod: Pod, info: NodeInfo) => {
    const labels = info.node.metadata.labels ?? {};
    const sel = pod.spec.nodeSelector;
    if (sel) {
      for (const k in sel) {
        if (labels[k] !== sel[k]) return "node(s) didn't match Pod's node affinity/selector";
      }
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
    const taints = info.node.spec?.taints;
    if (taints === undefined) return undefined;
    for (const t of taints) {
      if (
        (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
        !tolerates(pod.spec.tolerations, t)
      ) {
        return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
      }
    }
    return undefined;
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
  skip: (pod) => podHostPorts(pod).length === 0,
  filter: (pod, info) =>
    podHostPorts(pod).some((p) => info.usedHostPorts.has(p))
      ? "node(s) didn't have free ports for the requested pod ports"
      : undefined,
};
