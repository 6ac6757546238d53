import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import type { KubeObject } from '../../apis/meta.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { isSubset } from '../../controllers/propagation/member-object.js';
import type { CommandContext } from '../cli-context.js';
import { CliError, UsageError } from '../cli-errors.js';
import { ResourceResolver } from '../resource-resolver.js';

/** Reads every object from files, directories (*.yaml, *.yml, *.json) or stdin (`-`). */
export async function readManifests(paths: string[], stdin?: () => Promise<string>): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  const parse = (text: string, where: string): void => {
    let docs: unknown[];
    try {
      docs = loadAll(text);
    } catch (err) {
      throw new CliError(`error parsing ${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const d of docs) {
      if (d === null || d === undefined) continue;
      const o = d as KubeObject & { items?: KubeObject[] };
      if (typeof o !== 'object' || !o.kind || !o.apiVersion) throw new CliError(`error in ${where}: every document needs apiVersion and kind`);
      if (o.kind.endsWith('List') && Array.isArray(o.items)) out.push(...o.items);
      else out.push(o);
    }
  };
  for (const p of paths) {
    if (p === '-') {
      if (!stdin) throw new UsageError('reading from stdin is not available');
      parse(await stdin(), 'stdin');
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CliError(`the path "${p}" does not exist`);
    }
    const files = st.isDirectory() ? readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(p, f)) : [p];
    for (const f of files) parse(readFileSync(f, 'utf8'), f);
  }
  return out;
}

function filesFlag(ctx: CommandContext): string[] {
  const f = ctx.flags.filename;
  const files = Array.isArray(f) ? f : typeof f === 'string' ? [f] : [];
  if (files.length === 0) throw new UsageError('must specify -f FILE');
  return files;
}

/** `flotilla apply -f FILE|DIR|-`: create or update each object; prints created/configured/unchanged. */
export async function apply(ctx: CommandContext): Promise<number> {
  const objs = await readManifests(filesFlag(ctx), ctx.io.stdin);
  const client = ctx.client();
  const resolver = new ResourceResolver(client);
  for (const o of objs) await resolver.byKind(o.apiVersion, o.kind); // fail before writing anything
  let failed = 0;
  for (const o of objs) {
    const r = await resolver.byKind(o.apiVersion, o.kind);
    const ns = r.namespaced ? (o.metadata.namespace ?? ctx.namespace) : undefined;
    const rc = client.resource(r.gvr, ns);
    const label = `${r.kind.toLowerCase()}/${o.metadata.name ?? ''}`;
    try {
      let cur: KubeObject | undefined;
      try {
        cur = await rc.get(o.metadata.name ?? '');
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      if (!cur) {
        await rc.create({ ...o, metadata: { ...o.metadata, ...(ns ? { namespace: ns } : {}) } });
        ctx.io.stdout(`${label} created\n`);
        continue;
      }
      const { metadata: _m, status: _s, ...want } = o;
      const { metadata: _cm, status: _cs, ...have } = cur;
      if (isSubset(want, have) && isSubset(o.metadata.labels ?? {}, cur.metadata.labels ?? {})) {
        ctx.io.stdout(`${label} unchanged\n`);
        continue;
      }
      await rc.update({ ...cur, ...want, metadata: { ...cur.metadata, labels: o.metadata.labels ?? cur.metadata.labels ?? {}, annotations: { ...(cur.metadata.annotations ?? {}), ...(o.metadata.annotations ?? {}) } } });
      ctx.io.stdout(`${label} configured\n`);
    } catch (err) {
      failed++;
      ctx.io.stderr(`error: ${label}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `flotilla delete -f FILE | RESOURCE NAME [--cascade=orphan]` */
export async function del(ctx: CommandContext): Promise<number> {
  const client = ctx.client();
  const resolver = new ResourceResolver(client);
  const orphan = ctx.flags.cascade === 'orphan';
  const targets: { r: Awaited<ReturnType<ResourceResolver['resolve']>>; ns: string | undefined; name: string }[] = [];
  if (ctx.flags.filename !== undefined) {
    for (const o of await readManifests(filesFlag(ctx), ctx.io.stdin)) {
      const r = await resolver.byKind(o.apiVersion, o.kind);
      targets.push({ r, ns: r.namespaced ? (o.metadata.namespace ?? ctx.namespace) : undefined, name: o.metadata.name ?? '' });
    }
  } else {
    const [what, ...names] = ctx.args;
    if (!what || names.length === 0) throw new UsageError('delete needs -f FILE or RESOURCE NAME');
    const r = await resolver.resolve(what);
    for (const name of names) targets.push({ r, ns: r.namespaced ? ctx.namespace : undefined, name });
  }
  for (const t of targets) {
    await client.resource(t.r.gvr, t.ns).delete(t.name, orphan ? { propagationPolicy: 'Orphan' } : {});
    ctx.io.stdout(`${t.r.kind.toLowerCase()}/${t.name} deleted\n`);
  }
  return 0;
}
