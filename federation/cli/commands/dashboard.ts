/**
 * `flotilla dashboard`: a one-time login URL of the federation's web dashboard for the current
 * kubeconfig user. The API server binds the code to the identity it authenticated (client
 * certificate or token), so the browser signs in as that user with the same RBAC.
 */
import { parseDuration } from '../../../machinery/cmd/flags.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';

/** The API that makes the code (served by dashboard/ in the federation API server). */
const LOGIN_CODES_PATH = '/dashboard/api/login-codes';
/** Longest `--ttl` the server accepts (its `maxCodeTtlMs` default). */
const MAX_TTL_MS = 60 * 60 * 1000;

/** `--ttl` as whole seconds, undefined when not given. @throws UsageError when invalid. */
export function ttlSeconds(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const ms = parseDuration(flag);
  if (!Number.isFinite(ms) || ms < 1000 || ms > MAX_TTL_MS || ms % 1000 !== 0) {
    throw new UsageError(`--ttl must be a duration from 1s to 1h in whole seconds, e.g. 10m`);
  }
  return ms / 1000;
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 0) throw new UsageError('dashboard takes no arguments');
  const ttl = ttlSeconds(stringFlag(ctx.flags, 'ttl'));
  const res = await ctx.client().request<{
    url: string;
    expiresAt: string;
  }>('POST', LOGIN_CODES_PATH, ttl === undefined ? {} : { ttlSeconds: ttl });
  ctx.io.stdout(`${res.url}\n`);
  ctx.io.stderr(`One-time login; the link expires at ${res.expiresAt} or when used.\n`);
  return 0;
}

/** `flotilla dashboard [--ttl 10m]` */
export const dashboardCommand: CliCommand = {
  name: 'dashboard',
  summary: 'Print a one-time login URL of the web dashboard for the current user',
  usage: 'flotilla dashboard [--ttl 10m]',
  options: { ttl: { type: 'string' } },
  run,
};
