/** `flotilla delete`: delete objects named on the command line or in manifests. */
import { NotFoundError } from '../../../machinery/errors/index.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { readManifests } from '../manifests.js';
import { ResourceResolver, type ResolvedResource } from '../resource-resolver.js';
import { filenames } from './apply.js';

interface Target {
  r: ResolvedResource;
  ns: string | undefined;
  name: string;
}

async function targets(ctx: CommandContext, resolver: ResourceResolver): Promise<Target[]> {
  const out: Target[] = [];
  if (ctx.flags.filename !== undefined) {
    if (ctx.args.length > 0) {
      throw new UsageError('delete takes either -f or RESOURCE NAME..., not both');
    }
    for (const o of await readManifests(filenames(ctx.flags, 'delete'), ctx.io.stdin)) {
      const r = await resolver.byKind(o.apiVersion, o.kind);
      out.push({
        r,
        ns: r.namespaced ? (o.metadata.namespace ?? ctx.namespace) : undefined,
        name: o.metadata.name ?? '',
      });
    }
    return out;
  }
  const [what, ...names] = ctx.args;
  if (!what || names.length === 0) throw new UsageError('delete needs -f FILE or RESOURCE NAME...');
  const r = await resolver.resolve(what);
  for (const name of names) out.push({ r, ns: r.namespaced ? ctx.namespace : undefined, name });
  return out;
}

async function run(ctx: CommandContext): Promise<number> {
  const cascade = stringFlag(ctx.flags, 'cascade') ?? 'background';
  if (!['background', 'foreground', 'orphan'].includes(cascade)) {
    throw new UsageError(`--cascade must be background, foreground or orphan, got "${cascade}"`);
  }
  const client = ctx.client();
  const list = await targets(ctx, new ResourceResolver(client));
  const ignoreNotFound = ctx.flags['ignore-not-found'] === true;
  let failed = 0;
  for (const t of list) {
    const label = `${t.r.kind.toLowerCase()}/${t.name}`;
    try {
      const policy =
        cascade === 'orphan' ? 'Orphan' : cascade === 'foreground' ? 'Foreground' : 'Background';
      await client.resource(t.r.gvr, t.ns).delete(t.name, { propagationPolicy: policy });
      ctx.io.stdout(`${label} deleted\n`);
    } catch (err) {
      if (err instanceof NotFoundError && ignoreNotFound) continue;
      failed++;
      ctx.io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `flotilla delete -f FILE | RESOURCE NAME... [--cascade=background|foreground|orphan] [--ignore-not-found]` */
export const deleteCommand: CliCommand = {
  name: 'delete',
  summary: 'Delete objects by name or from manifests',
  usage:
    'flotilla delete (-f FILE|DIR|- | RESOURCE NAME...) [--cascade=background|foreground|orphan] [--ignore-not-found]',
  options: {
    filename: { type: 'string', short: 'f', multiple: true },
    cascade: { type: 'string' },
    'ignore-not-found': { type: 'boolean' },
  },
  run,
};
