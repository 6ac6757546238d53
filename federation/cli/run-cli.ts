import { parseArgs } from 'node:util';
import { ApiError } from '../machinery/errors/index.js';
import type { RestClient } from '../machinery/client/rest-client.js';
import { federationClient, type CliIo, type CommandContext, type GlobalFlags } from './cli-context.js';
import { CliError, UsageError } from './cli-errors.js';
import { apply, del } from './commands/apply.js';
import { config } from './commands/config.js';
import { describe, get } from './commands/get.js';
import { join, unjoin } from './commands/join.js';

const USAGE = `flotilla: the Flotilla federation CLI

Commands:
  join NAME --member-kubeconfig PATH [--member-context C] | --endpoint URL --member-token T [--ca-file F]
       [--region R] [--zone Z] [--environment E] [--labels k=v,...]
  unjoin NAME
  get clusters | get RESOURCE [NAME] [-l SELECTOR] [-o yaml|json|name] [-A]
  describe RESOURCE NAME
  apply -f FILE|DIR|-
  delete -f FILE | delete RESOURCE NAME... [--cascade=orphan]
  config get-contexts | current-context | use-context NAME
  version

Global flags: --kubeconfig PATH (default $FLOTILLA_KUBECONFIG or ~/.flotilla/config), --context NAME,
  --server URL --token T, -n NAMESPACE, -o FORMAT
`;

const COMMANDS: Record<string, (ctx: CommandContext) => Promise<number>> = { join, unjoin, get, describe, apply, delete: del, config };

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 usage). Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let client: RestClient | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        kubeconfig: { type: 'string' }, context: { type: 'string' }, server: { type: 'string' }, token: { type: 'string' },
        namespace: { type: 'string', short: 'n' }, 'all-namespaces': { type: 'boolean', short: 'A' }, output: { type: 'string', short: 'o' },
        filename: { type: 'string', short: 'f', multiple: true }, selector: { type: 'string', short: 'l' }, cascade: { type: 'string' },
        'member-kubeconfig': { type: 'string' }, 'member-context': { type: 'string' }, endpoint: { type: 'string' }, 'member-token': { type: 'string' },
        'ca-file': { type: 'string' }, region: { type: 'string' }, zone: { type: 'string' }, environment: { type: 'string' }, labels: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [cmd, ...args] = positionals;
    if (values.help || cmd === undefined || cmd === 'help') {
      io.stdout(USAGE);
      return cmd === undefined && !values.help ? 2 : 0;
    }
    if (cmd === 'version') {
      io.stdout('flotilla v0.1.0\n');
      return 0;
    }
    const run = COMMANDS[cmd];
    if (!run) throw new UsageError(`unknown command "${cmd}"`);
    const global: GlobalFlags = {
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context ? { context: values.context } : {}),
      ...(values.server ? { server: values.server } : {}),
      ...(values.token ? { token: values.token } : {}),
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(values['all-namespaces'] ? { allNamespaces: true } : {}),
      ...(values.output ? { output: values.output } : {}),
    };
    if (global.output && !['yaml', 'json', 'name', 'wide', 'table'].includes(global.output)) throw new UsageError(`unknown output format "${global.output}"`);
    let ns: string | undefined;
    const ctx: CommandContext = {
      args,
      flags: values,
      global,
      io,
      client: () => {
        if (!client) {
          const c = federationClient(global, io.env);
          client = c.client;
          ns = c.namespace;
        }
        return client;
      },
      get namespace() {
        return global.namespace ?? ns ?? 'default';
      },
    };
    return await run(ctx);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`error: ${err.message}\nRun 'flotilla help' for usage.\n`);
      return 2;
    }
    if (err instanceof ApiError || err instanceof CliError) {
      io.stderr(`error: ${err.message}\n`);
      for (const c of err instanceof ApiError ? err.causes : []) io.stderr(`  * ${c.field ?? ''}: ${c.message ?? ''}\n`);
      return 1;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
