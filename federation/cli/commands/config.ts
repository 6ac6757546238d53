/** `flotilla config`: kubeconfig contexts (get-contexts, current-context, use-context, set-context). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { dump } from 'js-yaml';
import { parseKubeconfig, type Kubeconfig } from '../../../machinery/client/kubeconfig.js';
import {
  kubeconfigPath,
  stringFlag,
  type CliCommand,
  type CommandContext,
} from '../cli-context.js';
import { CliError, UsageError } from '../errors/index.js';
import { printTable } from '../printers/index.js';

function read(path: string, createIfMissing: boolean): Kubeconfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    if (createIfMissing) {
      return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
    }
    throw new CliError(`kubeconfig ${path} does not exist`);
  }
  try {
    return parseKubeconfig(text);
  } catch (err) {
    throw new CliError(`kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

function write(path: string, cfg: Kubeconfig): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, dump(cfg), { mode: 0o600 });
}

/**
 * Creates or changes a context. `--server`/`--token` write a cluster and user entry named after the
 * context; `--cluster`/`--user` point at existing entries; `--namespace` sets the default namespace.
 */
export function setContext(
  cfg: Kubeconfig,
  name: string,
  o: { cluster?: string; user?: string; namespace?: string; server?: string; token?: string },
): Kubeconfig {
  const out = structuredClone(cfg);
  if (o.server !== undefined) {
    out.clusters = [
      ...out.clusters.filter((c) => c.name !== name),
      { name, cluster: { server: o.server } },
    ];
  }
  if (o.token !== undefined) {
    out.users = [...out.users.filter((u) => u.name !== name), { name, user: { token: o.token } }];
  }
  const cur = out.contexts.find((c) => c.name === name)?.context;
  const cluster = o.cluster ?? (o.server !== undefined ? name : cur?.cluster);
  const user = o.user ?? (o.token !== undefined ? name : (cur?.user ?? name));
  if (!cluster) {
    throw new UsageError(`context "${name}" is new: give --server URL or --cluster NAME`);
  }
  if (!out.clusters.some((c) => c.name === cluster)) {
    throw new CliError(`no cluster entry named "${cluster}" in kubeconfig`);
  }
  const namespace = o.namespace ?? cur?.namespace;
  out.contexts = [
    ...out.contexts.filter((c) => c.name !== name),
    { name, context: { cluster, user, ...(namespace ? { namespace } : {}) } },
  ];
  out['current-context'] ??= name;
  return out;
}

function run(ctx: CommandContext): Promise<number> {
  const path = kubeconfigPath(ctx.global, ctx.io.env);
  const [sub, name, ...rest] = ctx.args;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  switch (sub) {
    case 'get-contexts': {
      const cfg = read(path, false);
      ctx.io.stdout(
        printTable(
          ['current', 'name', 'cluster', 'namespace'],
          cfg.contexts.map((c) => [
            c.name === cfg['current-context'] ? '*' : '',
            c.name,
            c.context.cluster,
            c.context.namespace ?? '',
          ]),
        ),
      );
      return Promise.resolve(0);
    }
    case 'current-context': {
      const cur = read(path, false)['current-context'];
      if (!cur) throw new CliError('current-context is not set');
      ctx.io.stdout(`${cur}\n`);
      return Promise.resolve(0);
    }
    case 'use-context': {
      if (!name) throw new UsageError('use-context needs a context name');
      const cfg = read(path, false);
      if (!cfg.contexts.some((c) => c.name === name)) {
        throw new CliError(`no context exists with the name: "${name}"`);
      }
      write(path, { ...cfg, 'current-context': name });
      ctx.io.stdout(`Switched to context "${name}".\n`);
      return Promise.resolve(0);
    }
    case 'set-context': {
      if (!name) throw new UsageError('set-context needs a context name');
      const cfg = read(path, true);
      const existed = cfg.contexts.some((c) => c.name === name);
      const f = (k: string): string | undefined => stringFlag(ctx.flags, k);
      const o = {
        cluster: f('cluster'),
        user: f('user'),
        namespace: ctx.global.namespace,
        server: ctx.global.server,
        token: ctx.global.token,
      };
      const clean = Object.fromEntries(
        Object.entries(o).filter(([, v]) => v !== undefined),
      ) as Parameters<typeof setContext>[2];
      write(path, setContext(cfg, name, clean));
      ctx.io.stdout(`Context "${name}" ${existed ? 'modified' : 'created'}.\n`);
      return Promise.resolve(0);
    }
    default:
      throw new UsageError(
        'config needs one of: get-contexts, current-context, use-context NAME, set-context NAME',
      );
  }
}

/** `flotilla config get-contexts | current-context | use-context NAME | set-context NAME [--server URL] [--token T] [--cluster C] [--user U] [-n NS]` */
export const configCommand: CliCommand = {
  name: 'config',
  summary: 'Show or change kubeconfig contexts',
  usage:
    'flotilla config get-contexts | current-context | use-context NAME\n       flotilla config set-context NAME [--server URL] [--token T] [--cluster C] [--user U] [-n NS]',
  options: { cluster: { type: 'string' }, user: { type: 'string' } },
  run,
};
