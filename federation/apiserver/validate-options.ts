import { validateServingOptions } from '../../machinery/apiserver/serving-options.js';
import type { OptionProblem } from '../../machinery/cmd/flags.js';
import type { FederationApiServerOptions } from './options.js';

/** Every problem with the API server options at once (empty when valid). */
export function validateOptions(o: FederationApiServerOptions): OptionProblem[] {
  return validateServingOptions(o, { bindAddress: 'ip' });
}
