import { enabledControllers } from '../../machinery/controller/index.js';
import { BadRequestError } from '../../machinery/errors/index.js';
import { isLoopback, isPort, type OptionProblem } from '../../machinery/cmd/flags.js';
import { validateLeaderElectionFlags } from '../../machinery/leaderelection/flags.js';
import { FEDERATION_CONTROLLERS } from './federation-controllers.js';
import type { FederationControllerManagerOptions } from './options.js';
import { validateClustersetIpRange } from '../controllers/mcs/clusterset-ip-allocator.js';

/** `{ host, port }` of `--metrics-bind-address` (`0` = off), or undefined when malformed. */
export function metricsAddress(v: string): { host: string; port: number } | undefined {
  const m = /^(?:([\d.]+):)?(\d+)$/.exec(v);
  if (!m) return undefined;
  return { host: m[1] ?? '127.0.0.1', port: Number(m[2]) };
}

/** Every problem with the controller manager options at once (empty when valid). */
export function validateOptions(o: FederationControllerManagerOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  const positive = (flag: string, v: number): void => {
    if (!(v > 0)) bad(flag, 'must be a positive duration (e.g. 2s, 500ms)');
  };
  if (o.kubeconfig === '') bad('--kubeconfig', 'is required');
  try {
    enabledControllers(o.controllers, [...FEDERATION_CONTROLLERS]);
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    bad('--controllers', err.message);
  }
  out.push(...validateLeaderElectionFlags(o));
  positive('--cluster-probe-period', o.clusterProbePeriodMs);
  positive('--cluster-probe-timeout', o.clusterProbeTimeoutMs);
  positive('--cluster-half-open-after', o.clusterHalfOpenAfterMs);
  positive('--resync-period', o.resyncMs);
  positive('--cluster-sweep-period', o.sweepPeriodMs);
  if (!Number.isInteger(o.clusterFailureThreshold) || o.clusterFailureThreshold < 1) {
    bad('--cluster-failure-threshold', 'must be an integer ≥ 1');
  }
  if (!Number.isInteger(o.propagationWorkers) || o.propagationWorkers < 1) {
    bad('--concurrent-propagation-syncs', 'must be an integer ≥ 1');
  }
  const metrics = metricsAddress(o.metricsBindAddress);
  if (!metrics || !isPort(metrics.port) || !isLoopback(metrics.host)) {
    bad('--metrics-bind-address', `"${o.metricsBindAddress}" must be 0 or [127.x.y.z:]port`);
  }
  for (const message of validateClustersetIpRange(o.clustersetIpRange)) {
    bad('--clusterset-ip-range', message);
  }
  return out;
}
