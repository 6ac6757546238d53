/** `flotilla unjoin`: remove a member cluster and its credentials Secret. */
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import { FEDERATION_SYSTEM_NAMESPACE } from '../../controllers/cluster-clients.js';
import type { RestClient } from '../../../machinery/client/rest-client.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import type { CliCommand, CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { SECRETS } from './core-resources.js';

/** Label `join` puts on the credentials Secret. */
export const CLUSTER_LABEL = 'federation.flotilla.io/cluster';

const ignoreNotFound = (err: unknown): undefined => {
  if (err instanceof NotFoundError) return undefined;
  throw err;
};

/** Deletes the Secret `join` made for `name` when the Cluster is already gone; true if one was removed. */
async function removeLeftoverSecret(client: RestClient, name: string): Promise<boolean> {
  const secrets = client.resource(SECRETS, FEDERATION_SYSTEM_NAMESPACE);
  const s = await secrets.get(`cluster-${name}`).catch(ignoreNotFound);
  if (s?.metadata.labels?.[CLUSTER_LABEL] !== name) return false;
  await secrets.delete(`cluster-${name}`).catch(ignoreNotFound);
  return true;
}

async function run(ctx: CommandContext): Promise<number> {
  const name = ctx.args[0];
  if (!name || ctx.args.length > 1) throw new UsageError('unjoin needs exactly one cluster name');
  const force = ctx.flags.force === true;
  const client = ctx.client();
  const clusters = client.resource<Cluster>(CLUSTERS);
  let cluster: Cluster;
  try {
    cluster = await clusters.get(name);
  } catch (err) {
    // A second unjoin after finalizers finished removes the Secret kept for the cleanup.
    if (err instanceof NotFoundError && (await removeLeftoverSecret(client, name))) {
      ctx.io.stdout(`cluster/${name} already gone; removed its Secret\n`);
      return 0;
    }
    throw err;
  }
  let pending = await clusters.delete(name);
  if (pending && force) {
    // --force: the member may be gone for good, so do not wait for controllers to clean it up.
    const cur = await clusters.get(name).catch(ignoreNotFound);
    if (cur) await clusters.update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    pending = undefined;
  }
  if (pending) {
    // Controllers finishing member-side cleanup still need the credentials: keep the Secret.
    ctx.io.stdout(
      `cluster/${name} unjoining (waiting for finalizers ${(pending.metadata.finalizers ?? []).join(',')}; use --force to skip)\n`,
    );
    return 0;
  }
  // Pull clusters have no credentials Secret
  const ref = cluster.spec.secretRef;
  if (ref) await client.resource(SECRETS, ref.namespace).delete(ref.name).catch(ignoreNotFound);
  ctx.io.stdout(`cluster/${name} unjoined\n`);
  return 0;
}

/** `flotilla unjoin NAME [--force]` */
export const unjoinCommand: CliCommand = {
  name: 'unjoin',
  summary: 'Remove a member cluster (and its credentials Secret)',
  usage: 'flotilla unjoin NAME [--force]',
  options: { force: { type: 'boolean' } },
  run,
};
