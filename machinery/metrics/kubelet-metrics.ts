import type { Histogram, Registry } from 'prom-client';
import { histogram } from './metric-factory.js';

/** The kubelet's pod start buckets (seconds). */
const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 600];

/**
 * The kubelet's `kubelet_pod_start_duration_seconds`: from the kubelet first seeing a pod bound to
 * its node to the pod running, observed once per pod.
 */
export class KubeletMetrics {
  private readonly podStart: Histogram;
  /** When each pod was first seen (ms); kept until the pod is forgotten. */
  private readonly firstSeen = new Map<string, number>();
  /** Pods already observed (a pod counts once, on its first start). */
  private readonly started = new Set<string>();
  private readonly now: () => number;

  constructor(registry: Registry | undefined, now: () => number = Date.now) {
    this.now = now;
    this.podStart = histogram(registry, {
      name: 'kubelet_pod_start_duration_seconds',
      help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
      buckets: POD_START_BUCKETS,
    });
  }

  /** The kubelet sees pod `uid` (only the first call counts). */
  podSeen(uid: string): void {
    if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, this.now());
  }

  /** Pod `uid` runs: observes its start once. */
  podRunning(uid: string): void {
    const seen = this.firstSeen.get(uid);
    if (seen === undefined || this.started.has(uid)) return;
    this.started.add(uid);
    this.podStart.observe(Math.max(0, this.now() - seen) / 1000);
  }

  /** The pod is gone (bounded memory). */
  forget(uid: string): void {
    this.firstSeen.delete(uid);
    this.started.delete(uid);
  }
}
