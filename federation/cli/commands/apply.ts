/** `flotilla apply -f`: create or update every object of the manifests. */
import type { KubeObject } from '../../../machinery/meta.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import { planApply } from '../apply-diff.js';
import type { CliCommand, CommandContext, FlagValues } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { readManifests } from '../manifests.js';
import { ResourceResolver } from '../resource-resolver.js';

/** The -f values. @throws UsageError when there are none. */
export function filenames(flags: FlagValues, verb: string): string[] {
  const f = flags.filename;
  const files = Array.isArray(f) ? f : typeof f === 'string' ? [f] : [];
  if (files.length === 0) throw new UsageError(`${verb} needs -f FILE|DIR|-`);
  return files;
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 0) {
    throw new UsageError(`apply takes no arguments (got "${ctx.args.join(' ')}"); use -f`);
  }
  const objs = await readManifests(filenames(ctx.flags, 'apply'), ctx.io.stdin);
  const client = ctx.client();
  const resolver = new ResourceResolver(client);
  // Resolve every kind first: an unknown kind anywhere changes nothing.
  const resolved = [];
  for (const o of objs) resolved.push({ o, r: await resolver.byKind(o.apiVersion, o.kind) });
  let failed = 0;
  for (const { o, r } of resolved) {
    const ns = r.namespaced ? (o.metadata.namespace ?? ctx.namespace) : undefined;
    const rc = client.resource(r.gvr, ns);
    const name = o.metadata.name ?? '';
    const label = `${r.kind.toLowerCase()}/${name}`;
    try {
      const cur: KubeObject | undefined = await rc.get(name).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      const plan = planApply(o, cur, ns);
      if (plan.action === 'create') await rc.create(plan.object);
      else if (plan.action === 'configure') await rc.update(plan.object);
      ctx.io.stdout(
        `${label} ${plan.action === 'create' ? 'created' : plan.action === 'configure' ? 'configured' : 'unchanged'}\n`,
      );
    } catch (err) {
      // Keep going with the other objects, as kubectl does; the exit code reports the failure.
      failed++;
      ctx.io.stderr(`error: ${label}: ${err instanceof Error ? err.message : String(err)}\n`);
      for (const c of (err as { causes?: { field?: string; message?: string }[] }).causes ?? []) {
        ctx.io.stderr(`  * ${c.field ?? ''}: ${c.message ?? ''}\n`);
      }
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `flotilla apply -f FILE|DIR|-` */
export const applyCommand: CliCommand = {
  name: 'apply',
  summary: 'Create or update objects from YAML/JSON manifests',
  usage: 'flotilla apply -f FILE|DIR|- [-f ...] [-n NS]',
  options: { filename: { type: 'string', short: 'f', multiple: true } },
  run,
};
