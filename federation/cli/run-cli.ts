/** Entry of the CLI: parse argv, dispatch to a command, map errors to messages and exit codes. */
import { parseArgs } from 'node:util';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { ApiError } from '../../machinery/errors/index.js';
import {
  federationClient,
  type CliCommand,
  type CliIo,
  type CommandContext,
  type FlagValues,
  type GlobalFlags,
  type OutputFormat,
} from './cli-context.js';
import { commandRegistry } from './command-registry.js';
import { CliError, UsageError } from './errors/index.js';
import { GLOBAL_OPTIONS } from './global-options.js';

export type { CliIo } from './cli-context.js';

const OUTPUTS: readonly OutputFormat[] = ['table', 'wide', 'yaml', 'json', 'name'];

/** Top-level help text. */
export function usage(): string {
  const cmds = [...commandRegistry.values()]
    .map((c) => `  ${c.name.padEnd(11)} ${c.summary}`)
    .join('\n');
  return `flotilla: the Flotilla federation CLI

Usage: flotilla [global flags] COMMAND [args] [flags]

Commands:
${cmds}
  help        Show help for a command: flotilla help COMMAND

Global flags:
  --kubeconfig PATH   kubeconfig of the federation (default $FLOTILLA_KUBECONFIG, else ~/.flotilla/config)
  --context NAME      kubeconfig context (default: current-context)
  --server URL        federation API URL (overrides the kubeconfig); --token T for its bearer token
  -n, --namespace NS  namespace (default: the context's, else "default")
  -A, --all-namespaces
  -o, --output FMT    table | wide | yaml | json | name
`;
}

/** Result of parsing argv: the command (if any) and its flags. */
export interface ParsedArgs {
  command: CliCommand | undefined;
  /** The first positional, as typed (also for unknown commands). */
  name: string | undefined;
  args: string[];
  flags: FlagValues;
  global: GlobalFlags;
}

/**
 * Parses argv: global flags may come before or after the command; command flags are known only to
 * their command. @throws UsageError for unknown commands, flags or output formats.
 */
export function parseCliArgs(argv: string[]): ParsedArgs {
  // First pass (lenient) only finds the command name, so the strict pass knows its flags.
  const loose = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: GLOBAL_OPTIONS,
  });
  const name = loose.positionals[0];
  const command = name === undefined ? undefined : commandRegistry.get(name);
  if (name !== undefined && name !== 'help' && !command) {
    throw new UsageError(`unknown command "${name}"`);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values as FlagValues;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
  const output = str('output');
  if (output !== undefined && !OUTPUTS.includes(output as OutputFormat)) {
    throw new UsageError(`unknown output format "${output}" (use ${OUTPUTS.join(', ')})`);
  }
  const global: GlobalFlags = {};
  for (const [k, key] of [
    ['kubeconfig', 'kubeconfig'],
    ['context', 'context'],
    ['server', 'server'],
    ['token', 'token'],
    ['namespace', 'namespace'],
  ] as const) {
    const s = str(k);
    if (s !== undefined) global[key] = s;
  }
  if (v['all-namespaces'] === true) global.allNamespaces = true;
  if (output !== undefined) global.output = output as OutputFormat;
  return { command, name, args: parsed.positionals.slice(1), flags: v, global };
}

function help(p: ParsedArgs, io: CliIo): number {
  const topic = p.name === 'help' ? p.args[0] : p.name;
  const cmd = topic === undefined ? undefined : commandRegistry.get(topic);
  if (topic !== undefined && !cmd) throw new UsageError(`unknown command "${topic}"`);
  io.stdout(cmd ? `${cmd.summary}\n\nUsage: ${cmd.usage}\n` : usage());
  return 0;
}

function report(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    io.stderr(`error: ${err.message}\nRun 'flotilla help' for usage.\n`);
    return 2;
  }
  if (err instanceof ApiError) {
    // The server's Status message as-is, then its field causes (422).
    io.stderr(`error: ${err.message}\n`);
    for (const c of err.causes) io.stderr(`  * ${c.field ?? ''}: ${c.message ?? c.reason ?? ''}\n`);
    return 1;
  }
  if (err instanceof CliError) {
    io.stderr(`error: ${err.message}\n`);
    return 1;
  }
  // Connection failures and the like: still a one-line message, no stack trace.
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const msg = err instanceof Error ? err.message || String(code ?? err.name) : String(err);
  io.stderr(`error: ${msg}\n`);
  return 1;
}

/** Runs the CLI in-process; resolves to the exit code (0 ok, 1 failure, 2 usage). Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let client: RestClient | undefined;
  try {
    const p = parseCliArgs(argv);
    if (p.flags.help === true || p.name === 'help') return help(p, io);
    if (!p.command) {
      io.stderr(usage());
      return 2;
    }
    const global = p.global;
    // join's --token is the member's; keep it away from the federation unless --server is given.
    const fedGlobal: GlobalFlags = { ...global };
    if (p.command.memberToken && !global.server) delete fedGlobal.token;
    let ns: string | undefined;
    const ctx: CommandContext = {
      args: p.args,
      flags: p.flags,
      global,
      io,
      client: () => {
        if (!client) {
          const c = federationClient(fedGlobal, io.env);
          client = c.client;
          ns = c.namespace;
        }
        return client;
      },
      get namespace() {
        if (global.namespace) return global.namespace;
        this.client();
        return ns ?? 'default';
      },
    };
    return await p.command.run(ctx);
  } catch (err) {
    return report(err, io);
  } finally {
    client?.close();
  }
}
