/** The flags every `flotilla` command accepts (run-cli parses them; completion offers them). */
import type { ParseArgsConfig } from 'node:util';

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
};
