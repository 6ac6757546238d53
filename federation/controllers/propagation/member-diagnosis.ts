/**
 * Why a member's workload does not progress, read from its pods: what `kubectl describe` in the
 * member would show, brought to the federation's events.
 */
import { PODS, type Pod } from '../../../api/index.js';
import { CLUSTERS, isPullCluster, type Cluster } from '../../apis/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { ClusterClients } from '../cluster-clients.js';
import type { Diagnose } from './propagation-events.js';

/** Upper bound of pods read for one diagnosis. */
const MAX_PODS = 50;

/**
 * The waiting reasons of the workload's containers in a member (`ImagePullBackOff: Back-off
 * pulling image "x"`), each with how many pods show it; empty when none waits or the workload
 * has no `matchLabels` selector.
 * @throws the member client's errors (the caller decides whether a diagnosis is worth a retry)
 */
export async function waitingReasons(member: KubeClient, workload: KubeObject): Promise<string[]> {
  const labels = (workload.spec as { selector?: { matchLabels?: Record<string, string> } }).selector
    ?.matchLabels;
  if (!labels || Object.keys(labels).length === 0) return [];
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await member
    .resource<Pod>(PODS, workload.metadata.namespace)
    .list({ labelSelector: selector, limit: MAX_PODS });
  const counts = new Map<string, number>();
  for (const p of pods.items) {
    for (const cs of p.status?.containerStatuses ?? []) {
      const w = cs.state?.waiting;
      if (!w?.reason || w.reason === 'ContainerCreating') continue;
      const text = w.message ? `${w.reason}: ${w.message}` : w.reason;
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
  }
  return [...counts].map(([text, n]) => `${String(n)} container(s) ${text}`);
}

/**
 * A {@link Diagnose} reading the pods of a Push member through its client; Pull members (the
 * federation cannot call them) and clusters no longer joined give no diagnosis.
 */
export function diagnoseInMembers(informers: InformerFactory, clients: ClusterClients): Diagnose {
  return (name, obj) => {
    const c = informers.for<Cluster>(CLUSTERS).get(name);
    if (!c || isPullCluster(c)) return Promise.resolve([]);
    // behind the member's breaker: a failing member fails at once instead of holding the reconcile
    return waitingReasons(clients.guarded(c), obj);
  };
}
