import { readFileSync, writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { parseKubeconfig } from '../../machinery/client/kubeconfig.js';
import { defaultKubeconfig, type CommandContext } from '../cli-context.js';
import { CliError, UsageError } from '../cli-errors.js';
import { table } from '../printers.js';

/** `flotilla config get-contexts | use-context NAME | current-context` */
export function config(ctx: CommandContext): Promise<number> {
  const path = ctx.global.kubeconfig ?? defaultKubeconfig(ctx.io.env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(`kubeconfig ${path} does not exist`);
  }
  const cfg = parseKubeconfig(text);
  const [sub, name] = ctx.args;
  switch (sub) {
    case 'get-contexts':
      ctx.io.stdout(table(['current', 'name', 'cluster', 'namespace'], cfg.contexts.map((c) => [c.name === cfg['current-context'] ? '*' : '', c.name, c.context.cluster, c.context.namespace ?? ''])));
      return Promise.resolve(0);
    case 'current-context':
      ctx.io.stdout(`${cfg['current-context'] ?? ''}\n`);
      return Promise.resolve(0);
    case 'use-context':
      if (!name) throw new UsageError('use-context needs a context name');
      if (!cfg.contexts.some((c) => c.name === name)) throw new CliError(`no context exists with the name: "${name}"`);
      cfg['current-context'] = name;
      writeFileSync(path, dump(cfg));
      ctx.io.stdout(`Switched to context "${name}".\n`);
      return Promise.resolve(0);
    default:
      throw new UsageError('config needs one of: get-contexts, current-context, use-context NAME');
  }
}
