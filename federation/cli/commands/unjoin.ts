/** `flotilla unjoin`: remove a member cluster and its credentials Secret. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CLUSTERS,
  executionNamespace,
  LABEL_WORK_CLUSTER,
  WORKS,
  type Cluster,
} from '../../apis/index.js';
import { CONDITION_CLEANUP_FAILED } from '../../controllers/cluster/cleanup-failure.js';
import { FEDERATION_SYSTEM_NAMESPACE } from '../../controllers/cluster-clients.js';
import type { RestClient } from '../../../machinery/client/rest-client.js';
import type { ResourceClient } from '../../../machinery/client/kube-client.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { parseDuration } from '../../../machinery/cmd/flags.js';
import { ConflictError, NotFoundError } from '../../../machinery/errors/index.js';
import type { CliCommand, CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { NAMESPACES, SECRETS } from './core-resources.js';

/** Label `join` puts on the credentials Secret. */
export const CLUSTER_LABEL = 'federation.flotilla.io/cluster';
/** How long unjoin waits for the finalizers by default (the controller's bound is 2 min). */
const DEFAULT_TIMEOUT_MS = 150_000;
const POLL_MS = 500;

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

/**
 * `--force`: removes the federation side without reaching the member: the Cluster's finalizers
 * (so it goes at once), then its execution namespace with the Works in it (their agent finalizers
 * dropped: no agent will release them). The credentials Secret is removed by the caller.
 */
async function forceRemove(client: RestClient, name: string): Promise<void> {
  await dropFinalizers(client.resource<Cluster>(CLUSTERS), name);
  const ns = executionNamespace(name);
  const namespaces = client.resource(NAMESPACES);
  const exec = await namespaces.get(ns).catch(ignoreNotFound);
  if (exec?.metadata.labels?.[LABEL_WORK_CLUSTER] !== name) return;
  // the execution-namespace controller also tears it down once the Cluster is gone; doing it
  // here means --force does not depend on the controller manager running
  const works = client.resource(WORKS, ns);
  for (const w of (await works.list()).items) {
    await dropFinalizers(works, w.metadata.name ?? '');
    await works.delete(w.metadata.name ?? '').catch(ignoreNotFound);
  }
}

/**
 * Clears an object's finalizers. Controllers keep writing the object (a Cluster's status, a
 * Work's conditions) while --force runs, so a stale read is retried on 409 Conflict with a fresh
 * one instead of failing the command.
 */
async function dropFinalizers<T extends KubeObject>(
  resource: ResourceClient<T>,
  name: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const cur = await resource.get(name).catch(ignoreNotFound);
    if (!cur || (cur.metadata.finalizers ?? []).length === 0) return;
    try {
      await resource.update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } });
      return;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      if (!(err instanceof ConflictError) || attempt >= 10) throw err;
    }
  }
}

/** Polls until the Cluster is gone (true), carries CleanupFailed (its message), or `ms` pass (false). */
async function waitGone(
  client: RestClient,
  name: string,
  ms: number,
): Promise<true | string | false> {
  const clusters = client.resource<Cluster>(CLUSTERS);
  const deadline = Date.now() + ms;
  for (;;) {
    const cur = await clusters.get(name).catch(ignoreNotFound);
    if (!cur) return true;
    const failed = cur.status?.conditions?.find(
      (c) => c.type === CONDITION_CLEANUP_FAILED && c.status === 'True',
    );
    if (failed) return failed.message ?? failed.reason ?? CONDITION_CLEANUP_FAILED;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

function timeoutOf(ctx: CommandContext): number {
  const raw = ctx.flags.timeout;
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = typeof raw === 'string' ? parseDuration(raw) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`--timeout: not a duration: ${String(raw)} (e.g. 30s, 2m, 0)`);
  }
  return ms;
}

async function run(ctx: CommandContext): Promise<number> {
  const name = ctx.args[0];
  if (!name || ctx.args.length > 1) throw new UsageError('unjoin needs exactly one cluster name');
  const force = ctx.flags.force === true;
  const timeoutMs = timeoutOf(ctx);
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
  const pending = await clusters.delete(name);
  if (pending && force) {
    // --force: the member may be gone for good, so do not wait for controllers to clean it up.
    await forceRemove(client, name);
    ctx.io.stderr(
      `warning: cluster/${name} removed without cleaning up the member: objects the federation put there may remain\n`,
    );
  } else if (pending) {
    const finalizers = (pending.metadata.finalizers ?? []).join(',');
    if (timeoutMs === 0) {
      // Controllers finishing member-side cleanup still need the credentials: keep the Secret.
      ctx.io.stdout(
        `cluster/${name} unjoining (waiting for finalizers ${finalizers}; use --force to skip)\n`,
      );
      return 0;
    }
    const outcome = await waitGone(client, name, timeoutMs);
    if (outcome !== true) {
      const why =
        outcome === false
          ? `finalizers ${finalizers} did not finish within ${String(Math.round(timeoutMs / 1000))}s (is the member reachable?)`
          : outcome;
      ctx.io.stderr(
        `error: cluster/${name} is still being unjoined: ${why}\nhint: run \`flotilla unjoin ${name} --force\` to remove it from the federation without cleaning up the member\n`,
      );
      return 1;
    }
  }
  // Pull clusters have no credentials Secret
  const ref = cluster.spec.secretRef;
  if (ref) await client.resource(SECRETS, ref.namespace).delete(ref.name).catch(ignoreNotFound);
  ctx.io.stdout(`cluster/${name} unjoined\n`);
  return 0;
}

/** `flotilla unjoin NAME [--force] [--timeout DURATION]` */
export const unjoinCommand: CliCommand = {
  name: 'unjoin',
  summary: 'Remove a member cluster (and its credentials Secret)',
  usage:
    'flotilla unjoin NAME [--force] [--timeout DURATION]\n' +
    '  waits (default 2m30s; --timeout 0 returns at once) until the member is cleaned up;\n' +
    '  --force removes the federation side (finalizers, Secret, execution namespace Works)\n' +
    '  without reaching the member, whose objects may then remain',
  options: { force: { type: 'boolean' }, timeout: { type: 'string' } },
  run,
};
