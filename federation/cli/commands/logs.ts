/** `flotilla logs`: a container's log in a member cluster, through the federation's cluster proxy. */
import { StringDecoder } from 'node:string_decoder';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { ClusterProxyClient } from '../cluster-proxy-client.js';
import { UsageError } from '../errors/index.js';

/** Parses a duration like kubectl's `--since` (`30s`, `5m`, `1h30m`) into whole seconds. */
export function parseSince(spec: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(spec);
  if (!m || spec === '') {
    throw new UsageError(`--since must be a duration such as 30s, 5m or 1h30m, got "${spec}"`);
  }
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (seconds <= 0) throw new UsageError('--since must be more than 0s');
  return seconds;
}

/** The pod named by `NAME` or `pod/NAME` (also `pods/NAME`). @throws UsageError otherwise. */
export function podName(arg: string | undefined, command: string): string {
  const name = arg?.replace(/^pods?\//, '');
  if (!name || name.includes('/')) {
    throw new UsageError(`${command} needs a pod name: flotilla ${command} POD -C CLUSTER`);
  }
  return name;
}

/** The member cluster of `-C/--cluster`. @throws UsageError when missing. */
export function clusterFlag(ctx: CommandContext, command: string): string {
  const cluster = stringFlag(ctx.flags, 'cluster');
  if (!cluster) {
    throw new UsageError(`${command} needs the member cluster: -C/--cluster NAME`);
  }
  return cluster;
}

/** The query of `pods/<name>/log` from the flags. */
export function logQuery(ctx: CommandContext): URLSearchParams {
  const q = new URLSearchParams();
  const container = stringFlag(ctx.flags, 'container');
  if (container) q.set('container', container);
  if (ctx.flags.follow === true) q.set('follow', 'true');
  if (ctx.flags.timestamps === true) q.set('timestamps', 'true');
  if (ctx.flags.previous === true) q.set('previous', 'true');
  const tail = stringFlag(ctx.flags, 'tail');
  if (tail !== undefined) {
    if (!/^-?\d+$/.test(tail)) throw new UsageError(`--tail must be a number, got "${tail}"`);
    // kubectl: -1 (the default) means the whole log
    if (Number(tail) >= 0) q.set('tailLines', String(Number(tail)));
  }
  const since = stringFlag(ctx.flags, 'since');
  if (since !== undefined) q.set('sinceSeconds', String(parseSince(since)));
  return q;
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 1) throw new UsageError('logs takes one pod name');
  const pod = podName(ctx.args[0], 'logs');
  const cluster = clusterFlag(ctx, 'logs');
  const query = logQuery(ctx);
  const proxy = ClusterProxyClient.of(ctx, cluster);
  const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(pod)}/log`;
  const res = await proxy.stream(path, query);
  // written as it comes: a followed log ends when the container stops (or on Ctrl-C)
  const text = new StringDecoder('utf8');
  for await (const chunk of res) ctx.io.stdout(text.write(chunk as Buffer));
  const rest = text.end();
  if (rest !== '') ctx.io.stdout(rest);
  return 0;
}

/** `flotilla logs POD -C CLUSTER [-n NS] [-c CONTAINER] [-f] [--tail N] [--since 5m] [--timestamps]` */
export const logsCommand: CliCommand = {
  name: 'logs',
  summary: 'Print the log of a container in a member cluster (through the cluster proxy)',
  usage:
    'flotilla logs POD -C CLUSTER [-n NS] [-c CONTAINER] [-f] [--tail N] [--since 5m] [--timestamps] [--previous]',
  options: {
    cluster: { type: 'string', short: 'C' },
    container: { type: 'string', short: 'c' },
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string' },
    since: { type: 'string' },
    timestamps: { type: 'boolean' },
    previous: { type: 'boolean', short: 'p' },
  },
  run,
};
