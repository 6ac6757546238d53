/** What the kubelet remembers about one pod between syncs (restarts, backoff, probes, ports). */
export interface PodState {
  restarts: Record<string, number>;
  started: Record<string, boolean>;
  backoffUntil: Record<string, number>;
  backoffMs: Record<string, number>;
  livenessFailures: Record<string, number>;
  ready: Record<string, boolean>;
  lastProbe: Record<string, number>;
  waiting: Record<string, { reason: string; message?: string }>;
  /** containerPort → published host port. */
  hostPorts: Record<string, number>;
  startTime: string;
}

/** A fresh state. */
export function newPodState(now: Date): PodState {
  return {
    restarts: {},
    started: {},
    backoffUntil: {},
    backoffMs: {},
    livenessFailures: {},
    ready: {},
    lastProbe: {},
    waiting: {},
    hostPorts: {},
    startTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}
