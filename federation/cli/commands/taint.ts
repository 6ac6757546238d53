/**
 * `flotilla taint CLUSTER key[=value]:Effect ... | key[:Effect]- ...`: add or remove Cluster
 * taints like `kubectl taint nodes`. The scheduler keeps new placements off clusters with a
 * NoSchedule taint (those already placed there stay) and moves everything off NoExecute ones.
 */
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import type { RestClient } from '../../../machinery/client/rest-client.js';
import { ConflictError } from '../../../machinery/errors/index.js';
import type { CliCommand, CommandContext } from '../cli-context.js';
import { CliError, UsageError } from '../errors/index.js';
import { printObject } from '../printers/index.js';

/** One taint of a Cluster. */
export type ClusterTaint = NonNullable<Cluster['spec']['taints']>[number];

/** Effects a Cluster taint may have. */
export const TAINT_EFFECTS: readonly ClusterTaint['effect'][] = ['NoSchedule', 'NoExecute'];

/** A taint to remove: every effect of `key`, or only `effect`. */
export interface TaintRemoval {
  key: string;
  effect?: ClusterTaint['effect'];
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A qualified name (`[prefix/]name`) as label and taint keys are. */
export function validTaintKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && NAME.test(name);
}

function effectOf(spec: string, e: string): ClusterTaint['effect'] {
  if (!(TAINT_EFFECTS as readonly string[]).includes(e)) {
    throw new UsageError(
      `invalid taint effect "${e}" in "${spec}": supported effects are ${TAINT_EFFECTS.join(', ')}`,
    );
  }
  return e as ClusterTaint['effect'];
}

function keyOf(spec: string, key: string): string {
  if (!validTaintKey(key)) {
    throw new UsageError(
      `invalid taint key "${key}" in "${spec}": use [prefix/]name, name up to 63 of [A-Za-z0-9-_.]`,
    );
  }
  return key;
}

/**
 * Parses kubectl-style taint specs: `key[=value]:Effect` adds, `key[:Effect]-` removes.
 * @throws UsageError for a malformed spec, key, value or effect
 */
export function parseTaintSpecs(specs: string[]): { add: ClusterTaint[]; remove: TaintRemoval[] } {
  const add: ClusterTaint[] = [];
  const remove: TaintRemoval[] = [];
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const [key = '', effect, ...rest] = spec.slice(0, -1).split(':');
      if (rest.length > 0) throw new UsageError(`invalid taint spec "${spec}"`);
      remove.push({
        key: keyOf(spec, key),
        ...(effect !== undefined ? { effect: effectOf(spec, effect) } : {}),
      });
      continue;
    }
    const colon = spec.lastIndexOf(':');
    if (colon < 0) {
      throw new UsageError(
        `invalid taint spec "${spec}": use key[=value]:Effect to add or key[:Effect]- to remove`,
      );
    }
    const effect = effectOf(spec, spec.slice(colon + 1));
    const kv = spec.slice(0, colon);
    const eq = kv.indexOf('=');
    const key = keyOf(spec, eq >= 0 ? kv.slice(0, eq) : kv);
    const value = eq >= 0 ? kv.slice(eq + 1) : undefined;
    if (value !== undefined && value !== '' && (value.length > 63 || !NAME.test(value))) {
      throw new UsageError(`invalid taint value "${value}" in "${spec}"`);
    }
    if (add.some((t) => t.key === key && t.effect === effect)) {
      throw new UsageError(`taint ${key}:${effect} is given twice`);
    }
    add.push({ key, ...(value ? { value } : {}), effect });
  }
  return { add, remove };
}

const same = (a: ClusterTaint, b: ClusterTaint): boolean =>
  a.key === b.key && a.effect === b.effect && (a.value ?? '') === (b.value ?? '');

/**
 * The taints after adding and removing. An added taint whose key and effect exist with another
 * value needs `overwrite`; a removal that matches nothing is an error (as kubectl's).
 * @throws CliError naming the conflicting or missing taint
 */
export function applyTaintChanges(
  current: ClusterTaint[],
  add: ClusterTaint[],
  remove: TaintRemoval[],
  overwrite: boolean,
): ClusterTaint[] {
  let out = [...current];
  for (const r of remove) {
    const left = out.filter((t) => !(t.key === r.key && (!r.effect || t.effect === r.effect)));
    if (left.length === out.length) {
      throw new CliError(`taint "${r.key}${r.effect ? `:${r.effect}` : ''}" not found`);
    }
    out = left;
  }
  for (const a of add) {
    const i = out.findIndex((t) => t.key === a.key && t.effect === a.effect);
    const cur = i >= 0 ? out[i] : undefined;
    if (!cur) out.push(a);
    else if (!same(cur, a)) {
      if (!overwrite) {
        throw new CliError(
          `taint ${a.key}:${a.effect} already has value "${cur.value ?? ''}"; use --overwrite to change it`,
        );
      }
      out[i] = a;
    }
  }
  return out;
}

/**
 * Reads the Cluster, applies `change` to its taints and writes it back when they changed,
 * retrying on a stale resourceVersion. Resolves to the Cluster as stored.
 * @throws NotFoundError for an unknown cluster; whatever `change` throws
 */
export async function updateClusterTaints(
  client: RestClient,
  name: string,
  change: (taints: ClusterTaint[]) => ClusterTaint[],
): Promise<Cluster> {
  const rc = client.resource<Cluster>(CLUSTERS);
  for (let attempt = 0; ; attempt++) {
    const cluster = await rc.get(name);
    const before = cluster.spec.taints ?? [];
    const after = change(before);
    if (JSON.stringify(after) === JSON.stringify(before)) return cluster;
    const next = structuredClone(cluster);
    if (after.length > 0) next.spec.taints = after;
    else delete next.spec.taints;
    try {
      return await rc.update(next);
    } catch (err) {
      // someone else (the health controller writes status, another operator) got there first
      if (!(err instanceof ConflictError) || attempt >= 4) throw err;
    }
  }
}

/** Prints the outcome: `-o yaml|json` the Cluster, `-o name` its name, else `cluster/NAME <verb>`. */
export function printClusterOutcome(ctx: CommandContext, cluster: Cluster, verb: string): void {
  const out = ctx.global.output;
  const name = cluster.metadata.name ?? '';
  if (out === 'yaml' || out === 'json') ctx.io.stdout(printObject(cluster, out));
  else if (out === 'name') ctx.io.stdout(`cluster/${name}\n`);
  else ctx.io.stdout(`cluster/${name} ${verb}\n`);
}

async function run(ctx: CommandContext): Promise<number> {
  const [name, ...specs] = ctx.args;
  if (!name || specs.length === 0) {
    throw new UsageError(
      'taint needs a cluster and at least one taint: flotilla taint CLUSTER key=value:NoSchedule',
    );
  }
  const { add, remove } = parseTaintSpecs(specs);
  const overwrite = ctx.flags.overwrite === true;
  const cluster = await updateClusterTaints(ctx.client(), name, (t) =>
    applyTaintChanges(t, add, remove, overwrite),
  );
  printClusterOutcome(ctx, cluster, add.length > 0 ? 'tainted' : 'untainted');
  return 0;
}

/** `flotilla taint CLUSTER key[=value]:Effect ... | key[:Effect]- ... [--overwrite] [-o yaml|json|name]` */
export const taintCommand: CliCommand = {
  name: 'taint',
  summary: 'Add or remove taints of a member cluster (NoSchedule, NoExecute)',
  usage:
    'flotilla taint CLUSTER key[=value]:NoSchedule|NoExecute ... [--overwrite] [-o yaml|json|name]\n       flotilla taint CLUSTER key[:Effect]- ...   (remove)',
  options: { overwrite: { type: 'boolean' } },
  run,
};
