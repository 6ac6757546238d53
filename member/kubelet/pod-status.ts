import type { Condition } from '../../machinery/meta.js';
import type { ContainerState, ContainerStatus, Pod, PodStatus } from '../../api/index.js';
import type { RuntimeContainer } from './container-runtime.js';
import type { PodState } from './pod-state.js';

const ts = (s: string | undefined): string | undefined =>
  s && !s.startsWith('0001') ? s.replace(/\.\d+Z$/, 'Z') : undefined;

/** The pod's addresses: its node's, and its own once it has one. */
export interface PodAddresses {
  hostIP: string;
  /** Unset while the pod waits for an address (the node has no podCIDR yet). */
  podIP: string | undefined;
}

/** The `containerID` a container status carries for runtime container `id`. */
export function statusContainerId(id: string): string {
  return `docker://${id}`;
}

/** The terminated state of runtime container `rc`, which has exited. */
function terminatedState(rc: RuntimeContainer): ContainerState {
  const code = rc.exitCode ?? 0;
  const startedAt = ts(rc.startedAt);
  const finishedAt = ts(rc.finishedAt);
  return {
    terminated: {
      exitCode: code,
      reason: code === 0 ? 'Completed' : 'Error',
      ...(startedAt ? { startedAt } : {}),
      ...(finishedAt ? { finishedAt } : {}),
      containerID: statusContainerId(rc.id),
    },
  };
}

/**
 * The status of spec container `c` whose latest runtime container is `rc` and whose run before
 * that is `previous` (kept by the kubelet, as Kubernetes keeps one dead container, for
 * `logs --previous` and `lastState`).
 */
function containerStatus(
  c: { name: string; image: string; readinessProbe?: unknown },
  rc: RuntimeContainer | undefined,
  state: PodState,
  previous?: RuntimeContainer,
): ContainerStatus {
  const cs: ContainerStatus = {
    name: c.name,
    ready: false,
    restartCount: state.restarts[c.name] ?? 0,
    image: c.image,
    started: rc?.running === true,
  };
  if (rc) {
    cs.imageID = rc.imageId;
    cs.containerID = statusContainerId(rc.id);
  }
  const waiting = state.waiting[c.name];
  const startedAt = ts(rc?.startedAt);
  if (rc?.running) {
    cs.state = { running: startedAt ? { startedAt } : {} };
    // with a readiness probe, not ready until it passed (a container started this sync has not
    // been probed yet); without one, ready while it runs
    cs.ready = state.ready[c.name] ?? c.readinessProbe === undefined;
  } else if (waiting) {
    cs.state = {
      waiting: {
        reason: waiting.reason,
        ...(waiting.message ? { message: waiting.message } : {}),
      },
    };
  } else if (rc) {
    cs.state = terminatedState(rc);
  } else {
    cs.state = { waiting: { reason: 'ContainerCreating' } };
  }
  // while an exited container waits for its restart, it is the last state; otherwise the run
  // before the current one is
  const last =
    rc && !rc.running && waiting ? rc : previous?.running === false ? previous : undefined;
  if (last) cs.lastState = terminatedState(last);
  return cs;
}

/**
 * Builds the pod status from the runtime's containers (the latest of each container, and the one
 * before it in `previous`) and the kubelet's memory.
 */
export function computePodStatus(
  pod: Pod,
  latest: Map<string, RuntimeContainer | undefined>,
  state: PodState,
  addresses: PodAddresses,
  old: PodStatus | undefined,
  previous: ReadonlyMap<string, RuntimeContainer> = new Map(),
): PodStatus {
  const statuses = pod.spec.containers.map((c) =>
    containerStatus(c, latest.get(c.name), state, previous.get(c.name)),
  );
  // kubectl debug's containers: never ready, and no part of the pod's phase or readiness
  const ephemeral = (pod.spec.ephemeralContainers ?? []).map((c) => ({
    ...containerStatus(c, latest.get(c.name), state),
    ready: false,
  }));
  const running = statuses.filter((s) => s.state?.running).length;
  const terminated = statuses.filter((s) => s.state?.terminated);
  const policy = pod.spec.restartPolicy ?? 'Always';
  let phase: PodStatus['phase'] = 'Pending';
  if (terminated.length === statuses.length && policy !== 'Always' && statuses.length > 0) {
    phase = terminated.every((s) => s.state?.terminated?.exitCode === 0)
      ? 'Succeeded'
      : policy === 'Never'
        ? 'Failed'
        : 'Running';
  } else if (running > 0 || statuses.some((s) => s.restartCount > 0)) {
    phase = 'Running';
  }
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready);
  const cond = (type: string, ok: boolean, reason?: string): Condition => {
    const prev = old?.conditions?.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      ...(reason && !ok ? { reason } : {}),
      lastTransitionTime:
        prev?.status === status && prev.lastTransitionTime
          ? prev.lastTransitionTime
          : new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  };
  return {
    phase,
    conditions: [
      cond('Initialized', true),
      cond('Ready', allReady, 'ContainersNotReady'),
      cond('ContainersReady', allReady, 'ContainersNotReady'),
      cond('PodScheduled', true),
    ],
    hostIP: addresses.hostIP,
    ...(addresses.podIP !== undefined
      ? { podIP: addresses.podIP, podIPs: [{ ip: addresses.podIP }] }
      : {}),
    startTime: state.startTime,
    containerStatuses: statuses,
    ...(ephemeral.length > 0 ? { ephemeralContainerStatuses: ephemeral } : {}),
  };
}
