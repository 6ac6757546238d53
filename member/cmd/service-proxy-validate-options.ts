import { isLoopback, splitHostPort, type OptionProblem } from '../../machinery/cmd/flags.js';
import type { ServiceProxyCommandOptions } from './service-proxy-options.js';

/** Returns every problem with the service proxy's options at once (empty when valid). */
export function validateServiceProxyOptions(o: ServiceProxyCommandOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  if (o.kubeconfig === '') out.push({ flag: '--kubeconfig', message: 'is required' });
  if (o.metricsBindAddress !== undefined) {
    const hp = splitHostPort(o.metricsBindAddress);
    if (!hp || !isLoopback(hp.host)) {
      out.push({
        flag: '--metrics-bind-address',
        message: `"${o.metricsBindAddress}" must be IP:PORT with an IP in 127.0.0.0/8`,
      });
    }
  }
  const durations: [string, number][] = [
    ['--udp-idle-timeout', o.udpIdleTimeoutMs],
    ['--connect-timeout', o.connectTimeoutMs],
    ['--bind-retry-interval', o.bindRetryMs],
  ];
  for (const [flag, ms] of durations) {
    if (!(ms > 0)) out.push({ flag, message: 'must be a positive duration (e.g. 500ms, 30s)' });
  }
  return out;
}
