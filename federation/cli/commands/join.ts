import { CLUSTERS, type Cluster } from '../../apis/index.js';
import { loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { AlreadyExistsError, NotFoundError } from '../../machinery/errors/index.js';
import { FEDERATION_SYSTEM_NAMESPACE } from '../../controllers/cluster-clients.js';
import { CliError, UsageError } from '../cli-errors.js';
import type { CommandContext } from '../cli-context.js';

const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `flotilla join NAME (--member-kubeconfig PATH [--member-context C] | --endpoint URL --token T [--ca-file F]) [--region R --zone Z --labels k=v,...]` */
export async function join(ctx: CommandContext): Promise<number> {
  const name = ctx.args[0];
  if (!name) throw new UsageError('join needs a cluster name: flotilla join NAME --member-kubeconfig PATH');
  let endpoint = str(ctx.flags.endpoint);
  let token = str(ctx.flags['member-token']);
  let ca: string | undefined;
  const mk = str(ctx.flags['member-kubeconfig']);
  if (mk) {
    const conn = loadKubeconfig(mk, str(ctx.flags['member-context']));
    endpoint = conn.server;
    token = conn.token;
    ca = conn.caData;
  }
  const caFile = str(ctx.flags['ca-file']);
  if (caFile) ca = (await import('node:fs')).readFileSync(caFile, 'utf8');
  if (!endpoint) throw new UsageError('join needs --member-kubeconfig or --endpoint');
  const labels: Record<string, string> = {};
  for (const kv of (str(ctx.flags.labels) ?? '').split(',').filter((s) => s !== '')) {
    const [k, v] = kv.split('=');
    if (!k || v === undefined) throw new UsageError(`bad label "${kv}": use key=value`);
    labels[k] = v;
  }
  // verify the member answers before storing anything
  const member = new RestClient({ server: endpoint, ...(token ? { token } : {}), ...(ca ? { caData: ca } : {}), timeoutMs: 5000 });
  try {
    const v = await member.request<{ gitVersion?: string }>('GET', '/version');
    await member.resource({ group: '', version: 'v1', resource: 'namespaces' }).list({ limit: 1 });
    ctx.io.stdout(`member ${name} answers at ${endpoint} (${v.gitVersion ?? 'unknown version'})\n`);
  } catch (err) {
    throw new CliError(`cannot reach member cluster ${name} at ${endpoint}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    member.close();
  }
  const client = ctx.client();
  try {
    await client.resource(CLUSTERS).get(name);
    throw new CliError(`cluster "${name}" is already joined`);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  await client.resource(NAMESPACES).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: FEDERATION_SYSTEM_NAMESPACE } }).catch((err: unknown) => {
    if (!(err instanceof AlreadyExistsError)) throw err;
  });
  const secretName = `cluster-${name}`;
  const data: Record<string, string> = {};
  if (token) data.token = Buffer.from(token).toString('base64');
  if (ca) data.caData = Buffer.from(ca).toString('base64');
  const secrets = client.resource(SECRETS, FEDERATION_SYSTEM_NAMESPACE);
  await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, labels: { 'federation.flotilla.io/cluster': name } }, type: 'Opaque', data }).catch(async (err: unknown) => {
    if (!(err instanceof AlreadyExistsError)) throw err;
    const cur = await secrets.get(secretName);
    await secrets.update({ ...cur, data });
  });
  const cluster: Cluster = {
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name, labels },
    spec: {
      apiEndpoint: endpoint,
      secretRef: { namespace: FEDERATION_SYSTEM_NAMESPACE, name: secretName },
      ...(str(ctx.flags.region) ? { region: str(ctx.flags.region) ?? '' } : {}),
      ...(str(ctx.flags.zone) ? { zone: str(ctx.flags.zone) ?? '' } : {}),
      ...(str(ctx.flags.environment) ? { environment: str(ctx.flags.environment) ?? '' } : {}),
    },
  };
  try {
    await client.resource(CLUSTERS).create(cluster);
  } catch (err) {
    await secrets.delete(secretName).catch(() => undefined);
    throw err;
  }
  ctx.io.stdout(`cluster/${name} joined\n`);
  return 0;
}

/** `flotilla unjoin NAME` */
export async function unjoin(ctx: CommandContext): Promise<number> {
  const name = ctx.args[0];
  if (!name) throw new UsageError('unjoin needs a cluster name');
  const client = ctx.client();
  const cluster = await client.resource<Cluster>(CLUSTERS).get(name);
  await client.resource(CLUSTERS).delete(name);
  await client.resource(SECRETS, cluster.spec.secretRef.namespace).delete(cluster.spec.secretRef.name).catch((err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
  ctx.io.stdout(`cluster/${name} unjoined\n`);
  return 0;
}
