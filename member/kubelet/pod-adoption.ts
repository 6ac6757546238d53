/**
 * Adoption of a pod's running containers by a (re)started kubelet: the kubelet keeps per-pod state
 * in memory only, so after a restart it rebuilds that state from what outlived it — the runtime's
 * containers (their restart-count label) and the pod's last posted status — instead of starting
 * from zero. Without this a `kill -9` of the kubelet reset every pod's `restartCount` to 0, moved
 * its `startTime`, and took every probed container out of its Services' endpoints until the
 * readiness probe passed again.
 */
import type { Pod } from '../../api/index.js';
import { LABEL_CONTAINER, LABEL_RESTARTS, type RuntimeContainer } from './container-runtime.js';
import { statusContainerId } from './pod-status.js';
import { newPodState, type PodState } from './pod-state.js';

/** Orders a container's runtime instances newest first (creation time, then restart count). */
export function newestFirst(a: RuntimeContainer, b: RuntimeContainer): number {
  return (
    b.createdAt - a.createdAt ||
    Number(b.labels[LABEL_RESTARTS] ?? 0) - Number(a.labels[LABEL_RESTARTS] ?? 0)
  );
}

/**
 * The state of `pod` for a kubelet that has none yet, given the pod's runtime `containers`:
 * - `startTime` is the one the status already has (else `now`);
 * - each spec container's restart count is the label of its newest runtime container;
 * - a container that still runs, is the one the status names and was reported ready stays ready:
 *   its readiness probe goes on from there and takes it away after `failureThreshold` failures,
 *   as it would have without the restart.
 * For a new pod (no containers, no status) this is a fresh state.
 */
export function adoptedPodState(pod: Pod, containers: RuntimeContainer[], now: Date): PodState {
  const state = newPodState(now);
  const startTime = pod.status?.startTime;
  if (startTime !== undefined) state.startTime = startTime;
  for (const c of pod.spec.containers) {
    const [newest] = containers
      .filter((rc) => rc.labels[LABEL_CONTAINER] === c.name)
      .sort(newestFirst);
    if (!newest) continue;
    state.started[c.name] = true;
    const restarts = Number(newest.labels[LABEL_RESTARTS]);
    if (Number.isInteger(restarts) && restarts >= 0) state.restarts[c.name] = restarts;
    const reported = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    if (
      newest.running &&
      reported?.ready === true &&
      reported.containerID === statusContainerId(newest.id)
    ) {
      state.ready[c.name] = true;
    }
  }
  return state;
}
