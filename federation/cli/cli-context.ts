/** Types shared by the CLI commands, and how the federation client is built from global flags. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient, type RestClientOptions } from '../../machinery/client/rest-client.js';
import { CliError } from './errors/index.js';

/** Streams and environment the CLI runs with; tests pass their own, `cmd/flotilla.ts` passes the process's. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Reads all of stdin (for `apply -f -`); absent when there is no stdin. */
  stdin?: () => Promise<string>;
}

/** Output formats accepted by `-o`. */
export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

/** Global flags shared by all commands. */
export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  server?: string;
  token?: string;
  namespace?: string;
  allNamespaces?: boolean;
  output?: OutputFormat;
}

/** Parsed flag values of one command (global flags included). */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** What a command receives. */
export interface CommandContext {
  /** Positionals after the command name. */
  args: string[];
  flags: FlagValues;
  global: GlobalFlags;
  io: CliIo;
  /** The federation client (built lazily; closed by `runCli`). */
  client(): RestClient;
  /** -n, else the context's namespace, else `default`. */
  readonly namespace: string;
}

/** One CLI command. */
export interface CliCommand {
  name: string;
  /** One line for `flotilla help`. */
  summary: string;
  /** Usage line(s) shown by `flotilla help <command>`. */
  usage: string;
  /** Command-specific flags (merged with the global ones when parsing). */
  options: NonNullable<ParseArgsConfig['options']>;
  /** `--token` belongs to the command (join's member token) and is used for the federation only with `--server`. */
  memberToken?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

/** Default kubeconfig path: $FLOTILLA_KUBECONFIG, else ~/.flotilla/config. */
export function defaultKubeconfig(env: Record<string, string | undefined>): string {
  return env.FLOTILLA_KUBECONFIG ?? join(env.HOME ?? homedir(), '.flotilla', 'config');
}

/** The kubeconfig path to use: --kubeconfig, else the default. */
export function kubeconfigPath(g: GlobalFlags, env: Record<string, string | undefined>): string {
  return g.kubeconfig ?? defaultKubeconfig(env);
}

/**
 * Builds the federation client: `--server` (with `--token`) wins over the kubeconfig context.
 * @throws CliError when the kubeconfig cannot be read or the context does not exist.
 */
export function federationClient(
  g: GlobalFlags,
  env: Record<string, string | undefined>,
): { client: RestClient; namespace: string | undefined } {
  const c = federationConnection(g, env);
  return { client: new RestClient(c.options), namespace: c.namespace };
}

/**
 * The federation's URL and credentials as {@link federationClient} uses them, for commands that
 * open connections of their own (streamed logs, exec over WebSocket, the cluster proxy).
 * @throws CliError when the kubeconfig cannot be read or the context does not exist.
 */
export function federationConnection(
  g: GlobalFlags,
  env: Record<string, string | undefined>,
): { options: RestClientOptions; namespace: string | undefined } {
  if (g.server) {
    return {
      options: { server: g.server, ...(g.token ? { token: g.token } : {}) },
      namespace: undefined,
    };
  }
  const path = kubeconfigPath(g, env);
  let conn;
  try {
    conn = loadKubeconfig(path, g.context);
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file does not exist'
        : err instanceof Error
          ? err.message
          : String(err);
    throw new CliError(`cannot use kubeconfig ${path}: ${why}`, { cause: err });
  }
  const token = g.token ?? conn.token;
  return {
    options: {
      server: conn.server,
      ...(token !== undefined ? { token } : {}),
      ...(conn.caData ? { caData: conn.caData } : {}),
      ...(conn.clientCertData && conn.clientKeyData
        ? { certData: conn.clientCertData, keyData: conn.clientKeyData }
        : {}),
      ...(conn.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
    },
    namespace: conn.namespace,
  };
}

/** A string flag value, or undefined. */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}
