/**
 * A member's resource summary from its nodes and pods (Karmada's `status.resourceSummary`):
 * what the Ready nodes offer (allocatable) and what the running pods ask for (allocated). The
 * health controller writes it for Push members, the agent reports it on its Lease for Pull ones.
 */
import { quantitySuffix, quantityValue } from '../../../api/index.js';
import type { Condition, KubeObject } from '../../../machinery/meta.js';
import type { Cluster } from '../../apis/index.js';

/** A Cluster's `status.resourceSummary`. */
export type ResourceSummary = NonNullable<NonNullable<Cluster['status']>['resourceSummary']>;

/** The parts of a Node the summary reads. */
export type SummaryNode = KubeObject & {
  status?: { conditions?: Condition[]; allocatable?: Record<string, string> };
};

/** The parts of a Pod the summary reads. */
export type SummaryPod = KubeObject & {
  spec?: { containers?: { resources?: { requests?: Record<string, string> } }[] };
};

/** A Kubernetes quantity ("500m", "2", "4Gi", "1e3") as a number; undefined when malformed. */
export function parseQuantity(q: string | undefined): number | undefined {
  return quantityValue(q);
}

/** CPU cores as a quantity: whole cores ("4") or millicores ("3500m"). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${String(milli)}m`;
}

/** Bytes as a quantity in the largest binary unit that divides them ("8Gi", "1536Mi"). */
export function formatBytes(bytes: number): string {
  const b = Math.round(bytes);
  for (const u of ['Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const f = quantitySuffix(u);
    if (b !== 0 && b % f === 0) return `${String(b / f)}${u}`;
  }
  return String(b);
}

const isReady = (n: SummaryNode): boolean =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/**
 * The summary of a member: Ready nodes and their allocatable cpu/memory/pods (a node that does
 * not say how many pods it takes counts 110, the kubelet default), the given (running) pods and
 * the sum of their containers' requests.
 */
export function resourceSummary(nodes: SummaryNode[], pods: SummaryPod[]): ResourceSummary {
  const ready = nodes.filter(isReady);
  const sum = (vals: (string | undefined)[], fallback = 0): number =>
    vals.reduce((n, v) => n + (parseQuantity(v) ?? fallback), 0);
  const allocatablePods = ready.reduce(
    (n, x) => n + (parseQuantity(x.status?.allocatable?.pods) ?? 110),
    0,
  );
  const requests = pods.flatMap((p) =>
    (p.spec?.containers ?? []).map((c) => c.resources?.requests),
  );
  return {
    allocatablePods,
    allocatedPods: pods.length,
    readyNodes: ready.length,
    allocatable: {
      cpu: formatCpu(sum(ready.map((x) => x.status?.allocatable?.cpu))),
      memory: formatBytes(sum(ready.map((x) => x.status?.allocatable?.memory))),
      pods: String(allocatablePods),
    },
    allocated: {
      cpu: formatCpu(sum(requests.map((r) => r?.cpu))),
      memory: formatBytes(sum(requests.map((r) => r?.memory))),
      pods: String(pods.length),
    },
  };
}
