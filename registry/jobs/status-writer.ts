import type { KubeClient } from '../../machinery/client/kube-client.js';
import { ConflictError } from '../../machinery/errors/index.js';
import { PROMOTION_REQUESTS, type PromotionRequest } from '../apis/registry-types.js';

/** Read-modify-write of a PromotionRequest's status, retried on conflicts. */
export async function updatePromotionStatus(
  client: KubeClient,
  name: string,
  mutate: (s: NonNullable<PromotionRequest['status']>) => void,
): Promise<PromotionRequest> {
  const rc = client.resource<PromotionRequest>(PROMOTION_REQUESTS);
  for (let i = 0; ; i++) {
    const cur = await rc.get(name);
    const status = structuredClone(cur.status ?? {});
    mutate(status);
    try {
      return await rc.updateStatus({ ...cur, status });
    } catch (err) {
      if (!(err instanceof ConflictError) || i >= 8) throw err;
    }
  }
}
