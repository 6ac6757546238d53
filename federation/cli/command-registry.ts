/** The CLI's commands by name; `runCli` dispatches through this map and `help` lists it. */
import type { CliCommand } from './cli-context.js';
import { applyCommand } from './commands/apply.js';
import { configCommand } from './commands/config.js';
import { deleteCommand } from './commands/delete.js';
import { describeCommand } from './commands/describe.js';
import { getCommand } from './commands/get.js';
import { joinCommand } from './commands/join.js';
import { registerCommand } from './commands/register.js';
import { unjoinCommand } from './commands/unjoin.js';
import { versionCommand } from './commands/version.js';

/** Every command, in the order `flotilla help` shows them. */
export const commandRegistry: ReadonlyMap<string, CliCommand> = new Map(
  [
    joinCommand,
    registerCommand,
    unjoinCommand,
    getCommand,
    describeCommand,
    applyCommand,
    deleteCommand,
    configCommand,
    versionCommand,
  ].map((c) => [c.name, c]),
);
