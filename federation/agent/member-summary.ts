/** What the agent tells the federation about its member besides the heartbeat. */
import { NODES, PODS } from '../../api/index.js';
import type { Condition, KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Cluster } from '../apis/index.js';

/** A member client that can also read `/version` (RestClient). */
export type MemberClient = KubeClient & {
  request?: <T>(method: string, path: string) => Promise<T>;
};

/** The member's version and capacity, as the cluster-health controller reports pushed members. */
export interface MemberSummary {
  kubernetesVersion?: string;
  resourceSummary: NonNullable<NonNullable<Cluster['status']>['resourceSummary']>;
}

type NodeLike = KubeObject & {
  status?: { conditions?: Condition[]; allocatable?: Record<string, string> };
};

/** Reads the member's Ready nodes, their pod capacity and running pods. @throws when unreachable */
export async function memberSummary(member: MemberClient): Promise<MemberSummary> {
  const version = await member
    .request?.<{ gitVersion?: string }>('GET', '/version')
    .catch(() => ({ gitVersion: undefined }));
  const nodes = await member.resource<NodeLike>(NODES).list();
  const ready = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  const pods = await member
    .resource(PODS)
    .list({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
  return {
    ...(version?.gitVersion ? { kubernetesVersion: version.gitVersion } : {}),
    resourceSummary: {
      allocatablePods: ready.reduce((n, x) => n + Number(x.status?.allocatable?.pods ?? 110), 0),
      allocatedPods: pods.items.length,
      readyNodes: ready.length,
    },
  };
}
