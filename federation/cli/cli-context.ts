import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig } from '../machinery/client/kubeconfig.js';
import { RestClient } from '../machinery/client/rest-client.js';
import { CliError } from './cli-errors.js';

/** Streams and environment the CLI runs with (tests pass their own). */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  stdin?: () => Promise<string>;
}

/** Global flags shared by all commands. */
export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  server?: string;
  token?: string;
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
}

/** What a command gets. */
export interface CommandContext {
  args: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  global: GlobalFlags;
  io: CliIo;
  client(): RestClient;
  namespace: string;
}

/** Default kubeconfig path: $FLOTILLA_KUBECONFIG, else ~/.flotilla/config. */
export function defaultKubeconfig(env: Record<string, string | undefined>): string {
  return env.FLOTILLA_KUBECONFIG ?? join(env.HOME ?? homedir(), '.flotilla', 'config');
}

/** Builds the federation client from flags and kubeconfig. */
export function federationClient(g: GlobalFlags, env: Record<string, string | undefined>): { client: RestClient; namespace: string | undefined } {
  if (g.server) return { client: new RestClient({ server: g.server, ...(g.token ? { token: g.token } : {}), insecureSkipTLSVerify: true }), namespace: undefined };
  const path = g.kubeconfig ?? defaultKubeconfig(env);
  let conn;
  try {
    conn = loadKubeconfig(path, g.context);
  } catch (err) {
    throw new CliError(`cannot use kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    client: new RestClient({ server: conn.server, ...(g.token ?? conn.token ? { token: g.token ?? conn.token ?? '' } : {}), ...(conn.caData ? { caData: conn.caData } : {}), ...(conn.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}) }),
    namespace: conn.namespace,
  };
}
