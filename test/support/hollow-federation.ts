/**
 * A FederationControlPlane (in-process) on real etcd with hollow MemberClusters on the same etcd,
 * each joined the way `flotilla join` does (credentials Secret + Cluster) when asked.
 */
import { SECRETS } from '../../api/index.js';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import {
  FederationControlPlane,
  type FederationControlPlaneOptions,
} from '../../federation/server/federation-control-plane.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { MemberCluster, type MemberClusterOptions } from '../../member/cluster/member-cluster.js';

/** The cluster-health settings of the tests: a failing member is NotReady within ~2 s. */
export const TEST_HEALTH = {
  probePeriodMs: 500,
  probeTimeoutMs: 2000,
  failureThreshold: 3,
  halfOpenAfterMs: 1000,
};

/** How a member joins. */
export interface JoinOptions {
  /** The Cluster's apiEndpoint. @defaultValue the member's URL */
  endpoint?: string;
  /** The Cluster's labels. */
  labels?: Record<string, string>;
}

/** Joins `m` to the federation of `api` the way `flotilla join` does: credentials Secret + Cluster. */
export async function joinMember(
  api: RestClient,
  m: MemberCluster,
  o: JoinOptions = {},
): Promise<void> {
  const name = m.opts.name;
  await api.resource(SECRETS, 'flotilla-system').create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `cluster-${name}` },
    data: {
      token: Buffer.from(m.token).toString('base64'),
      caData: Buffer.from(m.cert.cert).toString('base64'),
    },
  });
  await api.resource<Cluster>(CLUSTERS).create({
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: o.labels ? { name, labels: o.labels } : { name },
    spec: {
      apiEndpoint: o.endpoint ?? m.url,
      secretRef: { namespace: 'flotilla-system', name: `cluster-${name}` },
    },
  });
}

/** What {@link startHollowFederation} takes besides the member names. */
export interface HollowFederationOptions {
  /** The control plane's options; resyncMs 1000 and health {@link TEST_HEALTH} unless given. */
  federation?: Omit<FederationControlPlaneOptions, 'etcdEndpoint'>;
  /** More options of member `name` (one hollow node unless given). */
  member?: (name: string) => Partial<MemberClusterOptions> | Promise<Partial<MemberClusterOptions>>;
  /** Joins each member once it started. @defaultValue false */
  join?: boolean;
}

/** What {@link startHollowFederation} started. */
export interface HollowFederation {
  etcd: EtcdService;
  fed: FederationControlPlane;
  /** The federation's admin client. */
  api: RestClient;
  /** The members by name, in the order given. */
  members: Map<string, MemberCluster>;
  /** The member `name` (throws when there is none). */
  member(name: string): MemberCluster;
  /** {@link joinMember} against this federation. */
  join(m: MemberCluster, o?: JoinOptions): Promise<void>;
  /** Stops the federation, the members, then etcd. */
  stop(): Promise<void>;
}

/**
 * Starts etcd, the federation and one hollow member per name (joined when `opts.join`); on a
 * failure, stops what it started and rethrows.
 */
export async function startHollowFederation(
  names: readonly string[],
  opts: HollowFederationOptions = {},
): Promise<HollowFederation> {
  let etcd: EtcdService | undefined;
  let fed: FederationControlPlane | undefined;
  const members = new Map<string, MemberCluster>();
  const stop = async (): Promise<void> => {
    await fed?.stop();
    for (const m of members.values()) await m.stop();
    await etcd?.stop();
  };
  try {
    etcd = await startEtcd();
    fed = new FederationControlPlane({
      resyncMs: 1000,
      health: TEST_HEALTH,
      ...opts.federation,
      etcdEndpoint: etcd.endpoint,
    });
    await fed.start();
    const api = fed.client();
    const join = (m: MemberCluster, o?: JoinOptions): Promise<void> => joinMember(api, m, o);
    for (const name of names) {
      const m = new MemberCluster({
        name,
        etcdEndpoint: etcd.endpoint,
        nodes: 1,
        runtime: 'hollow',
        ...(await opts.member?.(name)),
      });
      await m.start();
      members.set(name, m);
      if (opts.join) await join(m);
    }
    const member = (name: string): MemberCluster => {
      const m = members.get(name);
      if (!m) throw new Error(`member ${name} missing`);
      return m;
    };
    return { etcd, fed, api, members, member, join, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
