/** What the agent tells the federation about its member besides the heartbeat. */
import { NODES, PODS } from '../../api/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Cluster } from '../apis/index.js';
import {
  resourceSummary,
  type SummaryNode,
  type SummaryPod,
} from '../controllers/cluster/resource-summary.js';

/** A member client that can also read `/version` (RestClient). */
export type MemberClient = KubeClient & {
  request?: <T>(method: string, path: string) => Promise<T>;
};

/** The member's version and capacity, as the cluster-health controller reports pushed members. */
export interface MemberSummary {
  kubernetesVersion?: string;
  resourceSummary: NonNullable<NonNullable<Cluster['status']>['resourceSummary']>;
}

/** Reads the member's Ready nodes, their capacity and the running pods' requests. @throws when unreachable */
export async function memberSummary(member: MemberClient): Promise<MemberSummary> {
  const version = await member
    .request?.<{ gitVersion?: string }>('GET', '/version')
    .catch(() => ({ gitVersion: undefined }));
  const nodes = await member.resource<SummaryNode>(NODES).list();
  const pods = await member
    .resource<SummaryPod>(PODS)
    .list({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
  return {
    ...(version?.gitVersion ? { kubernetesVersion: version.gitVersion } : {}),
    resourceSummary: resourceSummary(nodes.items, pods.items),
  };
}
