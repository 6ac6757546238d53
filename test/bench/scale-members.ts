/**
 * The federation of the scale bench (scale-bench.ts): the local federation's control plane from
 * hack/lib/local-federation.ts (its etcd, API server and controller manager, each its own process
 * under the supervisor) with no members of its own, then `members` light hollow members:
 *
 * - each member is one `flotilla-member` process (dist/member/cmd/member.js): its own Kubernetes
 *   API server on its own HTTPS port with its own CA, its controller manager and scheduler, and
 *   `nodes` hollow kubelets, all in that process (the in-process components still talk to the API
 *   server over HTTPS with their own certificates), plus its cluster DNS server;
 * - every member keeps its objects in one shared etcd process, each under its own key prefix
 *   (`--etcd-prefix` defaults to `/flotilla/members/<name>`), over plain HTTP on loopback (the
 *   `member` command has no etcd TLS flags);
 * - no service proxy and no separate cluster DNS process (nothing in the bench dials Services).
 *
 * The federation reaches each member as any joined cluster: `flotilla join` with the member's
 * admin kubeconfig, over HTTPS. Each Cluster is labelled with its groups (see {@link ScaleGroups})
 * so that the policies can select a subset of the members.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import { runCli } from '../../federation/cli/run-cli.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { planEtcdCluster } from '../../hack/lib/etcd-cluster.js';
import { startLocalFederation, type LocalFederation } from '../../hack/lib/local-federation.js';
import { nodeArgs } from '../../hack/lib/local-components.js';
import { waitFor } from '../../hack/lib/ports.js';
import { pool } from './bench-result.js';
import { clientFor } from './federation-bench.js';

/** Supervisor group of the members' shared etcd. */
export const MEMBERS_ETCD_GROUP = 'members-etcd';
/** Members started at once (each start is CPU-bound: a Node process loading the API server). */
const START_CONCURRENCY = 4;

/** How the members are grouped: each Cluster carries both labels. */
export interface ScaleGroups {
  /** Members per ConfigMap group (label `scale-cm=g<k>`): each ConfigMap is Duplicated to one. */
  cmGroupSize: number;
  /** Members per Deployment group (label `scale-deploy=g<k>`): each Deployment is Divided in one. */
  deployGroupSize: number;
}

/** The label values of member `i` (0-based). */
export function memberGroups(i: number, g: ScaleGroups): { cm: string; deploy: string } {
  return {
    cm: `g${String(Math.floor(i / g.cmGroupSize))}`,
    deploy: `g${String(Math.floor(i / g.deployGroupSize))}`,
  };
}

/** One member of the scale federation. */
export interface ScaleMember {
  name: string;
  /** Its supervisor process name. */
  process: string;
  adminKubeconfig: string;
}

/** The running scale federation. */
export interface ScaleFederation {
  local: LocalFederation;
  members: ScaleMember[];
  /** Supervisor name of the shared members' etcd. */
  membersEtcd: string;
}

/** Options of {@link startScaleFederation}. */
export interface ScaleFederationOptions {
  root: string;
  state: string;
  members: number;
  nodes: number;
  groups: ScaleGroups;
  /** Extra environment of the federation's processes only (e.g. NODE_OPTIONS for --cpu-prof). */
  federationNodeOptions?: string;
  log?: (line: string) => void;
}

/**
 * Starts the federation control plane, the shared etcd and the members, joins them and waits
 * until every Cluster is Ready with all its nodes. On failure everything started is stopped.
 */
export async function startScaleFederation(o: ScaleFederationOptions): Promise<ScaleFederation> {
  if (o.members > 100) throw new Error(`scale bench: at most 100 members (node addresses 127.0.x)`);
  const log = o.log ?? (() => undefined);
  const saved = process.env.NODE_OPTIONS;
  if (o.federationNodeOptions !== undefined) {
    // the supervisor hands its environment to each process it starts: only the federation's
    process.env.NODE_OPTIONS = `${saved ?? ''} ${o.federationNodeOptions}`;
  }
  let local: LocalFederation;
  try {
    local = await startLocalFederation({
      root: o.root,
      state: o.state,
      members: 0,
      nodes: 0,
      runtime: 'hollow',
      zone: 'flotilla.local',
    });
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
  try {
    const plan = await planEtcdCluster({
      name: 'etcd-members',
      dataDir: join(o.state, 'etcd', 'members'),
      logDir: join(o.state, 'logs'),
    });
    const etcd = plan.members[0];
    if (!etcd) throw new Error('scale bench: the members etcd was planned without a member');
    await local.supervisor.add({
      name: etcd.name,
      group: MEMBERS_ETCD_GROUP,
      command: etcd.command,
      args: etcd.args,
      env: etcd.env,
      ready: () => etcd.healthy(),
    });
    const dir = join(o.state, 'members');
    mkdirSync(dir, { recursive: true });
    const members: ScaleMember[] = Array.from({ length: o.members }, (_, i) => ({
      name: `member${String(i + 1)}`,
      process: `member${String(i + 1)}`,
      adminKubeconfig: join(dir, `member${String(i + 1)}.kubeconfig`),
    }));
    const t0 = performance.now();
    await pool(members.length, START_CONCURRENCY, (i) =>
      startMemberProcess(local, o, members[i] as ScaleMember, i, etcd.endpoint),
    );
    log(`${String(o.members)} members started in ${ms(t0)}`);
    for (const [i, m] of members.entries()) await join1(local, m, memberGroups(i, o.groups));
    await waitReady(local, o.members, o.nodes);
    log(`${String(o.members)} clusters Ready with their nodes after ${ms(t0)}`);
    return { local, members, membersEtcd: etcd.name };
  } catch (err) {
    await local.stop();
    throw err;
  }
}

const ms = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** One `flotilla-member` process under the supervisor; ready once its API answers /readyz. */
async function startMemberProcess(
  local: LocalFederation,
  o: ScaleFederationOptions,
  m: ScaleMember,
  i: number,
  etcd: string,
): Promise<void> {
  let client: RestClient | undefined;
  try {
    await local.supervisor.add({
      name: m.process,
      group: m.name,
      command: process.execPath,
      args: nodeArgs(o.root, 'member/cmd/member.js', [
        ...['--name', m.name, '--etcd', etcd, '--runtime', 'hollow'],
        ...['--nodes', String(o.nodes), '--node-ip-prefix', `127.0.${String(150 + i)}.`],
        ...['--kubeconfig-out', m.adminKubeconfig],
      ]),
      ready: async () => {
        client ??= clientFor(m.adminKubeconfig);
        await client.request('GET', '/readyz');
        return true;
      },
      readyTimeoutMs: 600_000,
    });
  } finally {
    client?.close();
  }
}

/** `flotilla join` of one member with its group labels. */
async function join1(
  local: LocalFederation,
  m: ScaleMember,
  g: { cm: string; deploy: string },
): Promise<void> {
  let err = '';
  const code = await runCli(
    [
      ...['--kubeconfig', local.federation.adminKubeconfig, 'join', m.name],
      ...['--member-kubeconfig', m.adminKubeconfig],
      ...['--labels', `scale-cm=${g.cm},scale-deploy=${g.deploy}`],
    ],
    { stdout: () => undefined, stderr: (s) => (err += s), env: process.env },
  );
  if (code !== 0) throw new Error(`join ${m.name} failed (exit ${String(code)}): ${err.trim()}`);
}

/** Waits until `members` Clusters are Ready, each with `nodes` Ready nodes. */
async function waitReady(local: LocalFederation, members: number, nodes: number): Promise<void> {
  const fc = clientFor(local.federation.adminKubeconfig);
  try {
    await waitFor(
      `${String(members)} Ready clusters with ${String(nodes)} Ready nodes each`,
      async () => {
        const cl = (await fc.resource(CLUSTERS).list()).items as Cluster[];
        return (
          cl.length === members &&
          cl.every(
            (c) =>
              c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ===
                true && c.status.resourceSummary?.readyNodes === nodes,
          )
        );
      },
      600_000,
      1000,
    );
  } finally {
    fc.close();
  }
}
