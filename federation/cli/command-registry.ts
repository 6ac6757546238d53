/** The CLI's commands by name; `runCli` dispatches through this map and `help` lists it. */
import type { CliCommand } from './cli-context.js';
import { applyCommand } from './commands/apply.js';
import { completionCommand } from './commands/completion.js';
import { configCommand } from './commands/config.js';
import { cordonCommand, uncordonCommand } from './commands/cordon.js';
import { dashboardCommand } from './commands/dashboard.js';
import { deleteCommand } from './commands/delete.js';
import { describeCommand } from './commands/describe.js';
import { execCommand } from './commands/exec.js';
import { getCommand } from './commands/get.js';
import { joinCommand } from './commands/join.js';
import { logsCommand } from './commands/logs.js';
import { promoteCommand } from './commands/promote.js';
import { registerCommand } from './commands/register.js';
import { taintCommand } from './commands/taint.js';
import { tokenCommand } from './commands/token.js';
import { topCommand } from './commands/top.js';
import { unjoinCommand } from './commands/unjoin.js';
import { versionCommand } from './commands/version.js';

/** Every command, in the order `flotilla help` shows them. */
export const commandRegistry: ReadonlyMap<string, CliCommand> = new Map(
  [
    joinCommand,
    registerCommand,
    tokenCommand,
    unjoinCommand,
    cordonCommand,
    uncordonCommand,
    taintCommand,
    getCommand,
    describeCommand,
    logsCommand,
    execCommand,
    topCommand,
    applyCommand,
    deleteCommand,
    promoteCommand,
    configCommand,
    dashboardCommand,
    versionCommand,
    completionCommand(() => commandRegistry.values()),
  ].map((c) => [c.name, c]),
);
