import { lookup } from 'node:dns/promises';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import {
  PROMOTION_REQUESTS,
  REGISTRIES,
  REPLICATION_POLICIES,
  type PromotionRequest,
  type Registry,
  type ReplicationPolicy,
} from '../apis/registry-types.js';
import { effectiveApproval } from '../controllers/approval-rules.js';
import { policyForRequest } from '../controllers/policy-match.js';
import { PromotionRefusedError } from '../errors/promotion-refused-error.js';

/** The source and target Registry of a copy that may run. */
export interface AllowedCopy {
  /** The request as the API server holds it now. */
  pr: PromotionRequest;
  src: Registry;
  dst: Registry;
  policy: ReplicationPolicy;
}

/**
 * The endpoint a registry URL reaches, for comparing Registry objects: the resolved address (any
 * loopback address counts as one) and port, so `localhost:5000`, `127.0.0.1:5000` and
 * `http://127.0.0.1:5000/` are the same registry.
 */
export async function registryEndpoint(url: string): Promise<string> {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const address = await lookup(host).then(
    (r) => r.address,
    () => host,
  );
  const loopback = /^127\./.test(address) || address === '::1';
  return `${loopback ? 'loopback' : address}:${port}`;
}

/**
 * Checks, right before a copy, everything the job's existence does not prove. The request is
 * re-read from the API server (the queue is not trusted); a ReplicationPolicy read from the API
 * must allow it; when that policy requires approval, the last decision must be an approval by
 * someone other than the requester holding an approver role; and the target URL must be claimed
 * by exactly one Registry, so a second Registry object naming the prod URL under a policy without
 * approval cannot reach prod.
 * @throws PromotionRefusedError when the copy must not run.
 */
export async function checkCopyAllowed(client: KubeClient, name: string): Promise<AllowedCopy> {
  const pr = await client.resource<PromotionRequest>(PROMOTION_REQUESTS).get(name);
  const phase = pr.status?.phase ?? 'Pending';
  if (phase !== 'Approved' && phase !== 'Copying') {
    throw new PromotionRefusedError(name, `the request is ${phase}, not Approved`, {
      keepsPhase: true,
    });
  }
  const policies = (await client.resource<ReplicationPolicy>(REPLICATION_POLICIES).list()).items;
  const policy = policyForRequest(policies, pr);
  if (!policy) {
    throw new PromotionRefusedError(
      name,
      `no ReplicationPolicy allows ${pr.spec.from} → ${pr.spec.to}`,
    );
  }
  if (policy.spec.requiresApproval && !effectiveApproval(pr, policy)) {
    throw new PromotionRefusedError(
      name,
      `policy ${policy.metadata.name ?? ''} requires approval by an approver other than the requester "${pr.spec.requester}"`,
    );
  }
  const registries = (await client.resource<Registry>(REGISTRIES).list()).items;
  const src = registries.find((r) => r.metadata.name === pr.spec.from);
  const dst = registries.find((r) => r.metadata.name === pr.spec.to);
  if (!src || !dst) {
    throw new PromotionRefusedError(name, `Registry ${!src ? pr.spec.from : pr.spec.to} not found`);
  }
  const target = await registryEndpoint(dst.spec.url);
  const claimants: string[] = [];
  for (const r of registries) {
    if ((await registryEndpoint(r.spec.url)) === target) claimants.push(r.metadata.name ?? '');
  }
  if (claimants.length > 1) {
    throw new PromotionRefusedError(
      name,
      `target ${dst.spec.url} is claimed by more than one Registry (${claimants.join(', ')})`,
    );
  }
  return { pr, src, dst, policy };
}
