import { isLoopback, splitHostPort, type OptionProblem } from '../../machinery/cmd/flags.js';
import type { AgentOptions } from './options.js';

/** A cluster name: a DNS-1123 label of at most 40 characters (it names `fed-es-<name>`). */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** Returns every problem at once (empty when valid). */
export function validateOptions(o: AgentOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  if (o.kubeconfig === '') bad('--kubeconfig', 'is required');
  if (o.memberKubeconfig === '') bad('--member-kubeconfig', 'is required');
  if (o.clusterName === '') bad('--cluster-name', 'is required');
  else if (!CLUSTER_NAME.test(o.clusterName)) {
    bad('--cluster-name', `"${o.clusterName}" must be a DNS-1123 label of at most 40 characters`);
  }
  if (!(o.heartbeatPeriodMs >= 100)) {
    bad('--heartbeat-period', 'must be a duration of at least 100ms');
  }
  if (!(o.leaseDurationMs >= 1000) || o.leaseDurationMs % 1000 !== 0) {
    bad('--lease-duration', 'must be whole seconds, at least 1s (the Lease stores seconds)');
  } else if (o.heartbeatPeriodMs >= o.leaseDurationMs) {
    bad('--lease-duration', 'must be longer than --heartbeat-period');
  }
  if (!(o.resyncMs >= 100)) bad('--resync-period', 'must be a duration of at least 100ms');
  if (o.metricsBindAddress !== undefined) {
    const hp = splitHostPort(o.metricsBindAddress);
    if (!hp) bad('--metrics-bind-address', `"${o.metricsBindAddress}" is not IP:PORT`);
    else if (!isLoopback(hp.host)) {
      bad('--metrics-bind-address', 'must be a loopback address (the endpoint has no auth)');
    }
  }
  return out;
}
