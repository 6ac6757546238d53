import { validateServingOptions } from '../../machinery/apiserver/serving-options.js';
import type { OptionProblem } from '../../machinery/cmd/flags.js';
import type { FederationApiServerOptions } from './options.js';

/** Every problem with the API server options at once (empty when valid). */
export function validateOptions(o: FederationApiServerOptions): OptionProblem[] {
  const problems = validateServingOptions(o, { bindAddress: 'ip' });
  if (!Number.isFinite(o.dashboardSessionTtlMs) || o.dashboardSessionTtlMs < 1000) {
    problems.push({
      flag: '--dashboard-session-ttl',
      message: 'must be a duration of at least 1s, e.g. 8h',
    });
  }
  return problems;
}
