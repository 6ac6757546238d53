/**
 * `flotilla token create|list|delete` (karmadactl token): bootstrap tokens for `flotilla register`
 * (pull mode). A token `<id>.<secret>` is the Secret `kube-system/bootstrap-token-<id>` of type
 * `bootstrap.kubernetes.io/token`, as kubeadm stores them and the federation's bootstrap-token
 * authenticator reads them; its user may only ask for an agent certificate.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadKubeconfig } from '../../../machinery/client/kubeconfig.js';
import type { KubeObject } from '../../../machinery/meta.js';
import {
  kubeconfigPath,
  stringFlag,
  type CliCommand,
  type CommandContext,
} from '../cli-context.js';
import { CliError, UsageError } from '../errors/index.js';
import { age, printObject, printTable } from '../printers/index.js';
import { SECRETS } from './core-resources.js';

/** Namespace and Secret type of bootstrap tokens. */
export const TOKEN_NAMESPACE = 'kube-system';
export const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const TOKEN_ID = /^[a-z0-9]{6}$/;
const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** What `token list` shows of one token (never its secret). */
export interface TokenInfo {
  id: string;
  /** RFC 3339; absent = never expires. */
  expires?: string;
  usages: string[];
  description?: string;
  extraGroups?: string[];
}

/**
 * Parses a Go-style duration ("24h", "90m", "1h30m", "45s"); `0` means never expire.
 * @throws UsageError for anything else
 */
export function parseTtl(s: string): number {
  if (s === '0') return 0;
  const re = /(\d+)(h|m|s)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== s.length) {
    throw new UsageError(`invalid --ttl "${s}": use a duration like 24h, 90m or 1h30m (0: never)`);
  }
  return total;
}

/** A new random token `<6>.<16>` of [a-z0-9]. */
export function generateToken(): string {
  const pick = (n: number): string =>
    [...randomBytes(n)].map((b) => CHARS[b % CHARS.length] ?? 'a').join('');
  return `${pick(6)}.${pick(16)}`;
}

/** The Secret of a token. */
export function tokenSecret(
  token: string,
  ttlSeconds: number,
  description: string,
  now: number = Date.now(),
): KubeObject {
  const [id = '', secret = ''] = token.split('.');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: TOKEN_NAMESPACE },
    type: TOKEN_SECRET_TYPE,
    stringData: {
      description,
      'token-id': id,
      'token-secret': secret,
      'usage-bootstrap-authentication': 'true',
      ...(ttlSeconds > 0
        ? {
            expiration: new Date(now + ttlSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
          }
        : {}),
    },
  };
}

/** The listable facts of a bootstrap-token Secret; undefined for any other Secret. */
export function tokenInfo(s: KubeObject): TokenInfo | undefined {
  if (s.type !== TOKEN_SECRET_TYPE) return undefined;
  const data = { ...toData(s), ...((s.data ?? {}) as Record<string, string>) };
  const str = (k: string): string | undefined =>
    data[k] !== undefined ? Buffer.from(data[k], 'base64').toString('utf8') : undefined;
  const id = str('token-id') ?? (s.metadata.name ?? '').replace(/^bootstrap-token-/, '');
  const expires = str('expiration');
  const description = str('description');
  const groups = str('auth-extra-groups');
  return {
    id,
    ...(expires ? { expires } : {}),
    usages: Object.keys(data)
      .filter((k) => k.startsWith('usage-bootstrap-') && str(k) === 'true')
      .map((k) => k.slice('usage-bootstrap-'.length))
      .sort(),
    ...(description ? { description } : {}),
    ...(groups ? { extraGroups: groups.split(',') } : {}),
  };
}

/** TTL column: time left ("23h"), `<forever>`, or `<invalid>` once expired. */
function ttlLeft(expires: string | undefined, now: number): string {
  if (!expires) return '<forever>';
  const t = Date.parse(expires);
  if (Number.isNaN(t) || t <= now) return '<invalid>';
  // age() measures from a past time; mirror the expiry into the past by the same distance
  return age(new Date(now - (t - now)).toISOString(), now);
}

/** Rows of `token list`. */
export function tokenRows(
  items: TokenInfo[],
  now: number = Date.now(),
): { headers: string[]; rows: string[][] } {
  return {
    headers: ['token-id', 'ttl', 'expires', 'usages', 'description'],
    rows: items.map((t) => [
      t.id,
      ttlLeft(t.expires, now),
      t.expires ?? '<never>',
      t.usages.join(','),
      t.description ?? '',
    ]),
  };
}

/** The federation CA (PEM) from the kubeconfig, when it has one. */
function kubeconfigCa(ctx: CommandContext): string | undefined {
  if (ctx.global.server) return undefined;
  try {
    const ca = loadKubeconfig(kubeconfigPath(ctx.global, ctx.io.env), ctx.global.context).caData;
    if (!ca) return undefined;
    return ca.includes('BEGIN') ? ca : Buffer.from(ca, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The CA file for the register command: `--ca-file` as given (written from the kubeconfig when it
 * does not exist yet), else `federation-ca.crt` beside the kubeconfig.
 * @throws CliError when there is no CA to point at
 */
function caFileFor(ctx: CommandContext): string {
  const given = stringFlag(ctx.flags, 'ca-file');
  if (given && existsSync(given)) return given;
  const ca = kubeconfigCa(ctx);
  if (!ca) {
    throw new CliError(
      'the kubeconfig has no certificate-authority-data for the federation; pass --ca-file with the federation CA',
    );
  }
  const path = given ?? join(dirname(kubeconfigPath(ctx.global, ctx.io.env)), 'federation-ca.crt');
  if (!existsSync(path) || readFileSync(path, 'utf8') !== ca) writeFileSync(path, ca);
  return path;
}

async function create(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 1) throw new UsageError('token create takes no arguments');
  const ttl = parseTtl(stringFlag(ctx.flags, 'ttl') ?? '24h');
  const description =
    stringFlag(ctx.flags, 'description') ?? 'flotilla register (created by flotilla token create)';
  const printCommand = ctx.flags['print-register-command'] === true;
  const client = ctx.client();
  const token = generateToken();
  const secret = await client
    .resource(SECRETS, TOKEN_NAMESPACE)
    .create(tokenSecret(token, ttl, description));
  const out = ctx.global.output;
  if (out === 'yaml' || out === 'json') {
    ctx.io.stdout(printObject({ token, ...tokenInfo(secret) }, out));
    return 0;
  }
  if (out === 'name') {
    ctx.io.stdout(`token/${token.split('.')[0] ?? ''}\n`);
    return 0;
  }
  if (!printCommand) {
    ctx.io.stdout(`${token}\n`);
    return 0;
  }
  if (!client.server.startsWith('https://')) {
    throw new CliError(
      `flotilla register needs an https federation URL, the kubeconfig has ${client.server}`,
    );
  }
  ctx.io.stdout(
    `flotilla register CLUSTER_NAME --federation ${client.server} --token ${token} --ca-file ${caFileFor(ctx)} --member-kubeconfig MEMBER_KUBECONFIG\n`,
  );
  return 0;
}

/** `data` (base64) of a Secret created from `stringData`, when the server echoed only that. */
function toData(s: KubeObject): Record<string, string> {
  const sd = (s.stringData ?? {}) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(sd).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
}

async function list(ctx: CommandContext): Promise<number> {
  const secrets = (await ctx.client().resource(SECRETS, TOKEN_NAMESPACE).list()).items;
  const items = secrets
    .map(tokenInfo)
    .filter((t): t is TokenInfo => t !== undefined)
    .sort((a, b) => a.id.localeCompare(b.id));
  const out = ctx.global.output ?? 'table';
  if (out === 'yaml' || out === 'json') {
    ctx.io.stdout(printObject({ kind: 'BootstrapTokenList', items }, out));
  } else if (out === 'name') {
    ctx.io.stdout(items.map((t) => `token/${t.id}\n`).join(''));
  } else if (items.length === 0) {
    ctx.io.stderr('No bootstrap tokens found.\n');
  } else {
    const t = tokenRows(items);
    ctx.io.stdout(printTable(t.headers, t.rows));
  }
  return 0;
}

async function remove(ctx: CommandContext): Promise<number> {
  const ids = ctx.args.slice(1);
  if (ids.length === 0) throw new UsageError('token delete needs a token id (or the whole token)');
  const rc = ctx.client().resource(SECRETS, TOKEN_NAMESPACE);
  for (const t of ids) {
    const id = TOKEN.exec(t)?.[1] ?? t;
    if (!TOKEN_ID.test(id)) {
      throw new UsageError(`"${t}" is not a token id ([a-z0-9]{6}) nor a token <id>.<secret>`);
    }
    const s = await rc.get(`bootstrap-token-${id}`);
    if (s.type !== TOKEN_SECRET_TYPE) {
      throw new CliError(`secret bootstrap-token-${id} is not a bootstrap token`);
    }
    await rc.delete(`bootstrap-token-${id}`);
    ctx.io.stdout(
      ctx.global.output === 'name' ? `token/${id}\n` : `bootstrap token "${id}" deleted\n`,
    );
  }
  return 0;
}

async function run(ctx: CommandContext): Promise<number> {
  switch (ctx.args[0]) {
    case 'create':
      return create(ctx);
    case 'list':
      return list(ctx);
    case 'delete':
      return remove(ctx);
    case undefined:
      throw new UsageError('token needs a subcommand: create, list or delete');
    default:
      throw new UsageError(
        `unknown token subcommand "${ctx.args[0]}" (use create, list or delete)`,
      );
  }
}

/** `flotilla token create [--ttl 24h] [--print-register-command] | list | delete ID` */
export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'Create, list and delete bootstrap tokens for flotilla register (pull mode)',
  usage:
    'flotilla token create [--ttl 24h] [--description D] [--print-register-command [--ca-file PATH]] [-o yaml|json|name]\n       flotilla token list [-o yaml|json|name]\n       flotilla token delete ID|TOKEN ...',
  options: {
    ttl: { type: 'string' },
    description: { type: 'string' },
    'print-register-command': { type: 'boolean' },
    'ca-file': { type: 'string' },
  },
  run,
};
