/** `flotilla join`: register a member cluster after checking that it answers. */
import { readFileSync } from 'node:fs';
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import { FEDERATION_SYSTEM_NAMESPACE } from '../../controllers/cluster-clients.js';
import { loadKubeconfig } from '../../../machinery/client/kubeconfig.js';
import { RestClient } from '../../../machinery/client/rest-client.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { CliError, UsageError } from '../errors/index.js';
import { NAMESPACES, SECRETS } from './core-resources.js';
import { CLUSTER_LABEL } from './unjoin.js';

/** Credentials and placement facts of the member to join. */
interface MemberTarget {
  endpoint: string;
  token?: string;
  caData?: string;
  /** PEM client certificate and key, when the member kubeconfig authenticates with x509. */
  certData?: string;
  keyData?: string;
}

/** PEM from kubeconfig's base64 `*-data` (or PEM as-is). */
const pemOf = (d: string): string =>
  d.includes('BEGIN') ? d : Buffer.from(d, 'base64').toString('utf8');

/** Parses `k=v,k2=v2`. @throws UsageError on a malformed pair. */
export function parseLabels(spec: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const kv of (spec ?? '').split(',').filter((s) => s !== '')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad label "${kv}": use key=value`);
    labels[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return labels;
}

function memberTarget(ctx: CommandContext): MemberTarget {
  const mk =
    stringFlag(ctx.flags, 'kubeconfig-of-member') ?? stringFlag(ctx.flags, 'member-kubeconfig');
  const endpoint = stringFlag(ctx.flags, 'endpoint');
  if (mk && endpoint) {
    throw new UsageError('use either --kubeconfig-of-member or --endpoint, not both');
  }
  let t: MemberTarget;
  if (mk) {
    try {
      const conn = loadKubeconfig(mk, stringFlag(ctx.flags, 'member-context'));
      // kubeconfig holds the CA base64-encoded; keep PEM so the Secret means the same for both sources.
      const ca =
        conn.caData && !conn.caData.includes('BEGIN')
          ? Buffer.from(conn.caData, 'base64').toString('utf8')
          : conn.caData;
      t = {
        endpoint: conn.server,
        ...(conn.token !== undefined ? { token: conn.token } : {}),
        ...(ca ? { caData: ca } : {}),
        ...(conn.clientCertData && conn.clientKeyData
          ? { certData: pemOf(conn.clientCertData), keyData: pemOf(conn.clientKeyData) }
          : {}),
      };
    } catch (err) {
      throw new CliError(
        `cannot use member kubeconfig ${mk}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  } else if (endpoint) {
    if (!/^https?:\/\/[^/]+/.test(endpoint)) {
      throw new UsageError(`--endpoint must be an http(s) URL, got "${endpoint}"`);
    }
    const token = stringFlag(ctx.flags, 'member-token') ?? ctx.global.token;
    t = { endpoint, ...(token !== undefined ? { token } : {}) };
  } else {
    throw new UsageError('join needs --kubeconfig-of-member PATH or --endpoint URL --token T');
  }
  const caFile = stringFlag(ctx.flags, 'ca-file');
  if (caFile) {
    try {
      t.caData = readFileSync(caFile, 'utf8');
    } catch {
      throw new CliError(`cannot read --ca-file ${caFile}`);
    }
  }
  return t;
}

/** `--dns-zone Z --dns-server HOST:PORT`: where the central resolver sends names under Z. */
function dnsFlags(ctx: CommandContext): { zone: string; server: string } | undefined {
  const zone = stringFlag(ctx.flags, 'dns-zone');
  const server = stringFlag(ctx.flags, 'dns-server');
  if (zone === undefined && server === undefined) return undefined;
  if (!zone || !server) throw new UsageError('--dns-zone and --dns-server go together');
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(zone)) {
    throw new UsageError(`--dns-zone must be a domain name, got "${zone}"`);
  }
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(server);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new UsageError(`--dns-server must be IPv4:PORT, got "${server}"`);
  }
  return { zone: zone.toLowerCase(), server };
}

/** Checks /version and an authenticated list on the member. @throws CliError when it does not answer. */
async function probeMember(name: string, t: MemberTarget): Promise<string> {
  const member = new RestClient({
    server: t.endpoint,
    ...(t.token !== undefined ? { token: t.token } : {}),
    ...(t.caData ? { caData: t.caData } : {}),
    ...(t.certData && t.keyData ? { certData: t.certData, keyData: t.keyData } : {}),
    timeoutMs: 5000,
  });
  try {
    const v = await member.request<{ gitVersion?: string }>('GET', '/version');
    await member.resource(NAMESPACES).list({ limit: 1 });
    return v.gitVersion ?? 'unknown version';
  } catch (err) {
    throw new CliError(
      `cannot reach member cluster "${name}" at ${t.endpoint}: ${err instanceof Error ? err.message : String(err)}; nothing was stored`,
      { cause: err },
    );
  } finally {
    member.close();
  }
}

async function run(ctx: CommandContext): Promise<number> {
  const name = ctx.args[0];
  if (!name || ctx.args.length > 1) {
    throw new UsageError(
      'join needs exactly one cluster name: flotilla join NAME --kubeconfig-of-member PATH',
    );
  }
  const labels = parseLabels(stringFlag(ctx.flags, 'labels'));
  const dns = dnsFlags(ctx);
  const target = memberTarget(ctx);
  const client = ctx.client();
  const clusters = client.resource<Cluster>(CLUSTERS);
  try {
    await clusters.get(name);
    throw new CliError(`cluster "${name}" is already joined; run "flotilla unjoin ${name}" first`);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  const version = await probeMember(name, target);
  ctx.io.stdout(`member "${name}" answers at ${target.endpoint} (${version})\n`);
  await client
    .resource(NAMESPACES)
    .create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: FEDERATION_SYSTEM_NAMESPACE },
    })
    .catch((err: unknown) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
  const secretName = `cluster-${name}`;
  const data: Record<string, string> = {};
  if (target.token !== undefined) data.token = Buffer.from(target.token).toString('base64');
  if (target.caData) data.caData = Buffer.from(target.caData).toString('base64');
  if (target.certData && target.keyData) {
    data.clientCertData = Buffer.from(target.certData).toString('base64');
    data.clientKeyData = Buffer.from(target.keyData).toString('base64');
  }
  const secrets = client.resource(SECRETS, FEDERATION_SYSTEM_NAMESPACE);
  await secrets
    .create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, labels: { [CLUSTER_LABEL]: name } },
      type: 'Opaque',
      data,
    })
    .catch(async (err: unknown) => {
      // A leftover secret of an earlier, half-finished join: refresh it with the new credentials.
      if (!(err instanceof AlreadyExistsError)) throw err;
      const cur = await secrets.get(secretName);
      await secrets.update({ ...cur, data });
    });
  const region = stringFlag(ctx.flags, 'region');
  const zone = stringFlag(ctx.flags, 'zone');
  const environment = stringFlag(ctx.flags, 'environment');
  const cluster: Cluster = {
    apiVersion: `${CLUSTERS.group}/${CLUSTERS.version}`,
    kind: 'Cluster',
    metadata: { name, labels },
    spec: {
      apiEndpoint: target.endpoint,
      secretRef: { namespace: FEDERATION_SYSTEM_NAMESPACE, name: secretName },
      ...(region ? { region } : {}),
      ...(zone ? { zone } : {}),
      ...(environment ? { environment } : {}),
      ...(dns ? { dns } : {}),
    },
  };
  try {
    await clusters.create(cluster);
  } catch (err) {
    // Leave nothing behind when the Cluster is refused (duplicate raced in, invalid spec).
    await secrets.delete(secretName).catch(() => undefined);
    if (err instanceof AlreadyExistsError) {
      throw new CliError(`cluster "${name}" is already joined`, { cause: err });
    }
    throw err;
  }
  ctx.io.stdout(`cluster/${name} joined\n`);
  return 0;
}

/** `flotilla join NAME (--kubeconfig-of-member PATH [--member-context C] | --endpoint URL --token T [--ca-file F]) [--region R --zone Z --labels k=v,...]` */
export const joinCommand: CliCommand = {
  name: 'join',
  summary: 'Register a member cluster with the federation',
  usage:
    'flotilla join NAME (--kubeconfig-of-member PATH [--member-context C] | --endpoint URL --token T [--ca-file F])\n       [--region R] [--zone Z] [--environment E] [--labels k=v,...] [--dns-zone Z --dns-server IP:PORT]',
  options: {
    'kubeconfig-of-member': { type: 'string' },
    'member-kubeconfig': { type: 'string' },
    'member-context': { type: 'string' },
    endpoint: { type: 'string' },
    'member-token': { type: 'string' },
    'ca-file': { type: 'string' },
    region: { type: 'string' },
    zone: { type: 'string' },
    environment: { type: 'string' },
    labels: { type: 'string' },
    'dns-zone': { type: 'string' },
    'dns-server': { type: 'string' },
  },
  // With --endpoint, --token is the member's token; it reaches the federation only with --server.
  memberToken: true,
  run,
};
