import { describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../../machinery/client/kube-client.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { HorizontalPodAutoscaler } from '../../../api/index.js';
import { memberCopy } from './member-object.js';
import { writeMemberObject } from './member-writer.js';

const template = (labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', generation: 1, labels },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } },
});

const hpa: HorizontalPodAutoscaler = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'ns' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    maxReplicas: 5,
  },
};

/** A member client recording updates (echoing them back). */
function member(): { rc: ResourceClient; updates: KubeObject[] } {
  const updates: KubeObject[] = [];
  const rc = {
    update: (o: KubeObject) => {
      updates.push(o);
      return Promise.resolve(o);
    },
  } as unknown as ResourceClient;
  return { rc, updates };
}

/** The member's copy as an autoscaler left it: the federation's copy with 3 replicas. */
const scaled = (desired: KubeObject): KubeObject => ({
  ...desired,
  metadata: { ...desired.metadata, resourceVersion: '9' },
  spec: { ...(desired.spec as object), replicas: 3 },
});

describe('writeMemberObject retain', () => {
  it('leaves an autoscaled member copy alone when only its replicas differ', async () => {
    const desired = memberCopy(template(), 1);
    const { rc, updates } = member();
    const res = await writeMemberObject(rc, 'm1', desired, scaled(desired), 'Abort', () =>
      Promise.resolve([hpa]),
    );
    expect(res.applied).toBe(true);
    expect(updates).toEqual([]);
  });

  it("writes a template change but keeps the member's replicas", async () => {
    const desired = memberCopy(template({ tier: 'front' }), 1);
    const existing = scaled(memberCopy(template(), 1));
    const { rc, updates } = member();
    await writeMemberObject(rc, 'm1', desired, existing, 'Abort', () => Promise.resolve([hpa]));
    expect(
      updates.map((u) => [u.metadata.labels?.tier, (u.spec as { replicas: number }).replicas]),
    ).toEqual([['front', 3]]);
  });

  it("restores the federation's replicas when no autoscaler targets the copy", async () => {
    const desired = memberCopy(template(), 1);
    const { rc, updates } = member();
    await writeMemberObject(rc, 'm1', desired, scaled(desired), 'Abort', () => Promise.resolve([]));
    expect(updates.map((u) => (u.spec as { replicas: number }).replicas)).toEqual([1]);
  });
});
