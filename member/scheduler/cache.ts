import { objectKey } from '../../machinery/meta.js';
import type { Node, Pod } from '../../api/index.js';
import { addPod, nodeInfo, type NodeInfo } from './framework.js';

/** A pod the cache accounts on a node: bound (seen bound by the informer) or assumed by us. */
interface CachedPod {
  node: string;
  pod: Pod;
  assumed: boolean;
}

/** True when a pod no longer holds node resources (kube-scheduler skips terminal pods). */
const terminal = (p: Pod): boolean =>
  p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/**
 * The scheduler's view of the cluster, like kube-scheduler's cache: one {@link NodeInfo} per node,
 * kept up to date incrementally from informer events (nodes, bound pods) and from pods the
 * scheduler assumed on a node before their binding was confirmed. A scheduling cycle reads
 * {@link SchedulerCache.nodeInfos} instead of rebuilding every node's requests from all pods.
 *
 * An assumed pod is confirmed when the informer shows it bound (to whichever node it names), and
 * dropped by {@link SchedulerCache.forget} when its binding failed.
 */
export class SchedulerCache {
  private readonly infos = new Map<string, NodeInfo>();
  /** Accounted pods per node name, including nodes the cache has not seen (yet). */
  private readonly podsByNode = new Map<string, Map<string, Pod>>();
  private readonly pods = new Map<string, CachedPod>();
  private list: NodeInfo[] | undefined;

  /** Every known node's NodeInfo, in the order the nodes were added (shared; do not mutate). */
  nodeInfos(): readonly NodeInfo[] {
    this.list ??= [...this.infos.values()];
    return this.list;
  }

  /** Number of known nodes. */
  get nodeCount(): number {
    return this.infos.size;
  }

  /** The NodeInfo of a node, if known. */
  get(nodeName: string): NodeInfo | undefined {
    return this.infos.get(nodeName);
  }

  /** True when the pod was assumed on a node and its binding is not confirmed yet. */
  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed === true;
  }

  /** Adds or updates a node (allocatable, labels, taints…), keeping its accounted pods. */
  setNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const fresh = nodeInfo(node, [...(this.podsByNode.get(name)?.values() ?? [])]);
    const info = this.infos.get(name);
    if (info) {
      // in place: the array handed out by nodeInfos() keeps pointing at it
      Object.assign(info, fresh);
    } else {
      this.infos.set(name, fresh);
      this.list = undefined;
    }
  }

  /** Forgets a node (its pods stay accounted under its name until they go). */
  removeNode(node: Node): void {
    if (this.infos.delete(node.metadata.name ?? '')) this.list = undefined;
  }

  /**
   * Applies an informer add/update of a pod: a bound, non-terminal pod is accounted on its node
   * (confirming it if it was assumed); a terminal one is dropped; an unbound one that we did not
   * assume is ignored.
   */
  setPod(pod: Pod): void {
    const key = objectKey(pod);
    const node = pod.spec.nodeName;
    if (!node) {
      if (!this.pods.get(key)?.assumed) this.removePod(key);
      return;
    }
    if (terminal(pod)) {
      this.removePod(key);
      return;
    }
    this.account(key, { node, pod, assumed: false });
  }

  /** Accounts a pod on the node the scheduler chose, before the binding is confirmed. */
  assume(pod: Pod, node: string): void {
    this.account(objectKey(pod), { node, pod, assumed: true });
  }

  /** Drops an assumed pod whose binding failed (a confirmed pod is kept). */
  forget(key: string): void {
    if (this.pods.get(key)?.assumed) this.removePod(key);
  }

  /** Drops a pod (deleted, or no longer holding resources). */
  removePod(key: string): void {
    const cur = this.pods.get(key);
    if (!cur) return;
    this.pods.delete(key);
    const onNode = this.podsByNode.get(cur.node);
    onNode?.delete(key);
    if (onNode?.size === 0) this.podsByNode.delete(cur.node);
    this.rebuild(cur.node);
  }

  private account(key: string, entry: CachedPod): void {
    const cur = this.pods.get(key);
    this.pods.set(key, entry);
    let onNode = this.podsByNode.get(entry.node);
    if (!onNode) {
      onNode = new Map();
      this.podsByNode.set(entry.node, onNode);
    }
    onNode.set(key, entry.pod);
    if (!cur) {
      const info = this.infos.get(entry.node);
      if (info) addPod(info, entry.pod);
      return;
    }
    if (cur.node !== entry.node) {
      const old = this.podsByNode.get(cur.node);
      old?.delete(key);
      if (old?.size === 0) this.podsByNode.delete(cur.node);
      this.rebuild(cur.node);
    }
    // the pod object changed (requests, host ports): recount its node (≤ max pods per node)
    this.rebuild(entry.node);
  }

  private rebuild(nodeName: string): void {
    const info = this.infos.get(nodeName);
    if (info) {
      Object.assign(
        info,
        nodeInfo(info.node, [...(this.podsByNode.get(nodeName)?.values() ?? [])]),
      );
    }
  }
}
