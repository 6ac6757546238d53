import type { Logger } from '../../machinery/controller/index.js';
import type { Container, Pod } from '../../api/index.js';
import type { ContainerRuntime, RuntimeContainer } from './container-runtime.js';
import type { PodState } from './pod-state.js';
import type { PodEvents } from './pod-events.js';
import { applyProbeResult, checkProbe, type ProbeCounts } from './probes.js';

/** What {@link probeContainer} needs from the kubelet. */
export interface ProberDeps {
  /**
   * The pod's address: probes connect to its ports there (published with the same numbers),
   * never to bridge IPs.
   */
  podAddress: string;
  runtime: ContainerRuntime;
  /** The sync's clock reading (ms). */
  now: number;
  log: Logger;
  /** Records Unhealthy and Killing. */
  events: PodEvents;
}

/**
 * Runs the readiness and liveness probes of a running container that are due (initial delay and
 * period), applying their thresholds to `state`; a container failing liveness is stopped and
 * returned as exited. Readiness without a probe is simply true.
 */
export async function probeContainer(
  pod: Pod,
  c: Container,
  rc: RuntimeContainer,
  state: PodState,
  deps: ProberDeps,
): Promise<RuntimeContainer | undefined> {
  const started = Date.parse(rc.startedAt ?? '') || deps.now;
  const target = {
    host: deps.podAddress,
    portFor: (port: number | string): number | undefined =>
      typeof port === 'number'
        ? port
        : /^\d+$/.test(port)
          ? Number(port)
          : c.ports?.find((p) => p.name === port)?.containerPort,
    exec: (cmd: string[]) => deps.runtime.exec(rc.id, cmd),
  };
  const now = deps.now;
  const due = (
    probe: { initialDelaySeconds?: number; periodSeconds?: number },
    kind: string,
  ): boolean =>
    now - started >= (probe.initialDelaySeconds ?? 0) * 1000 &&
    now - (state.lastProbe[`${kind}/${c.name}`] ?? 0) >= (probe.periodSeconds ?? 10) * 1000;
  const counts = (kind: string): ProbeCounts =>
    (state.probeCounts[`${kind}/${c.name}`] ??= { successes: 0, failures: 0 });
  if (c.readinessProbe) {
    if (due(c.readinessProbe, 'r')) {
      state.lastProbe[`r/${c.name}`] = now;
      const { ok, message } = await checkProbe(c.readinessProbe, target);
      if (!ok) await deps.events.unhealthy(pod, c, 'Readiness', message ?? '');
      // not ready until successThreshold successes; ready until failureThreshold failures
      state.ready[c.name] = applyProbeResult(
        c.readinessProbe,
        counts('r'),
        ok,
        state.ready[c.name] ?? false,
      );
    }
    state.ready[c.name] ??= false;
  } else {
    state.ready[c.name] = true;
  }
  if (c.livenessProbe && due(c.livenessProbe, 'l')) {
    state.lastProbe[`l/${c.name}`] = now;
    const { ok, message } = await checkProbe(c.livenessProbe, target);
    if (!ok) await deps.events.unhealthy(pod, c, 'Liveness', message ?? '');
    if (!applyProbeResult(c.livenessProbe, counts('l'), ok, true)) {
      await deps.events.killing(pod, c, 'liveness');
      await deps.runtime.stop(rc.id, pod.spec.terminationGracePeriodSeconds ?? 30);
      return { ...rc, running: false, exitCode: 137 };
    }
  }
  delete state.waiting[c.name];
  return rc;
}
