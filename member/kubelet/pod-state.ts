import type { ProbeCounts } from './probes.js';

/**
 * What the kubelet remembers about one pod between syncs (restarts, probes). Back-off
 * lives in the kubelet's `Backoff` instances, keyed by pod uid.
 */
export interface PodState {
  restarts: Record<string, number>;
  started: Record<string, boolean>;
  /** Consecutive probe results by `r/<container>` (readiness) and `l/<container>` (liveness). */
  probeCounts: Record<string, ProbeCounts>;
  ready: Record<string, boolean>;
  lastProbe: Record<string, number>;
  waiting: Record<string, { reason: string; message?: string }>;
  startTime: string;
}

/** A fresh state. */
export function newPodState(now: Date): PodState {
  return {
    restarts: {},
    started: {},
    probeCounts: {},
    ready: {},
    lastProbe: {},
    waiting: {},
    startTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}
