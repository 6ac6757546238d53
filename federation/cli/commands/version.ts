/** `flotilla version`: client version, and the federation API server's unless --client. */
import type { CliCommand, CommandContext } from '../cli-context.js';

/** Version of this CLI. */
export const CLI_VERSION = 'v0.1.0';

async function run(ctx: CommandContext): Promise<number> {
  ctx.io.stdout(`Client Version: flotilla ${CLI_VERSION}\n`);
  if (ctx.flags.client === true) return 0;
  const v = await ctx.client().request<{ gitVersion?: string }>('GET', '/version');
  ctx.io.stdout(`Server Version: ${v.gitVersion ?? 'unknown'}\n`);
  return 0;
}

/** `flotilla version [--client]` */
export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the client and server versions',
  usage: 'flotilla version [--client]',
  options: { client: { type: 'boolean' } },
  run,
};
