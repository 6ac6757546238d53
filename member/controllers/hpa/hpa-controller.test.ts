import { afterEach, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import {
  DEPLOYMENTS,
  HORIZONTALPODAUTOSCALERS,
  PODS,
  type HorizontalPodAutoscaler,
  type Pod,
} from '../../../api/index.js';
import { startFixture, type Fixture, FIXTURE_NOW } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import { HpaController } from './hpa-controller.js';
import { POD_METRICS, type PodMetrics } from './pod-metrics.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

/** A web pod requesting 100m CPU. */
const webPod = (name: string): Pod => {
  const p = pod(name, 'web', { ready: true, node: 'n1' });
  const c = p.spec.containers[0];
  if (c) c.resources = { requests: { cpu: '100m' } };
  return p;
};

const usage = (name: string, cpu: string): PodMetrics => ({
  apiVersion: 'metrics.k8s.io/v1beta1',
  kind: 'PodMetrics',
  metadata: { name, namespace: 'default' },
  containers: [{ name: 'c', usage: { cpu, memory: '1Mi' } }],
});

const hpa = (spec: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', generation: 1, resourceVersion: '3' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 10,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ],
    ...spec,
  },
});

/**
 * The fixture's client with a Deployment `scale` subresource over `replicas` (the fake client has
 * none): scale writes are recorded in `scaled`.
 */
function withScale(inner: KubeClient, replicas: { n: number }, scaled: number[]): KubeClient {
  return {
    resource: <T extends KubeObject>(gvr: GroupVersionResource, ns?: string) => {
      const rc = inner.resource<T>(gvr, ns);
      if (gvr.resource !== DEPLOYMENTS.resource) return rc;
      return {
        ...rc,
        subresource: <R>(_name: string, _sub: string, method: string, body?: unknown) => {
          if (method === 'PUT') {
            replicas.n = (body as { spec: { replicas: number } }).spec.replicas;
            scaled.push(replicas.n);
          }
          return Promise.resolve({
            metadata: { resourceVersion: '1' },
            spec: { replicas: replicas.n },
            status: { replicas: replicas.n, selector: 'app=web' },
          } as R);
        },
      };
    },
  };
}

async function start(h: HorizontalPodAutoscaler, pods: Pod[], metrics: PodMetrics[], n: number) {
  const replicas = { n };
  const scaled: number[] = [];
  let now = FIXTURE_NOW.getTime();
  const f = await startFixture(
    [
      [HORIZONTALPODAUTOSCALERS, [h]],
      [PODS, pods],
      [POD_METRICS, metrics],
    ],
    (ctx) =>
      new HpaController({
        ...ctx,
        client: withScale(ctx.client, replicas, scaled),
        now: () => new Date(now),
      }),
    [{ gvr: HORIZONTALPODAUTOSCALERS }, { gvr: PODS }],
  );
  fx = f;
  const status = () =>
    f.client.actions
      .filter((a) => a.verb === 'updateStatus')
      .map((a) => (a.body as HorizontalPodAutoscaler).status);
  return {
    reconcile: () => f.controller.reconcile('default/web'),
    advance: (ms: number) => {
      now += ms;
    },
    scaled,
    status,
  };
}

describe('HpaController', () => {
  it('scales up on CPU utilization above target and reports it in status', async () => {
    const pods = [webPod('a'), webPod('b'), webPod('c')];
    const t = await start(
      hpa(),
      pods,
      ['a', 'b', 'c'].map((n) => usage(n, '90000000n')),
      3,
    );
    await t.reconcile();
    // 90 % of requests against 50 %: ceil(3 × 1.8) = 6
    expect(t.scaled).toEqual([6]);
    const st = t.status()[0];
    expect(st).toMatchObject({ currentReplicas: 3, desiredReplicas: 6, observedGeneration: 1 });
    expect(st?.lastScaleTime).toBe(FIXTURE_NOW.toISOString());
    expect(st?.currentMetrics?.[0]?.resource?.current.averageUtilization).toBe(90);
    expect(st?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`)).toEqual([
      'AbleToScale=True/SucceededRescale',
      'ScalingActive=True/ValidMetricFound',
      'ScalingLimited=False/DesiredWithinRange',
    ]);
  });

  it('goes to minReplicas at once without metrics', async () => {
    const t = await start(hpa({ minReplicas: 3, metrics: [] }), [], [], 1);
    await t.reconcile();
    expect(t.scaled).toEqual([3]);
    expect(t.status()[0]?.conditions?.find((c) => c.type === 'ScalingLimited')).toMatchObject({
      status: 'True',
      reason: 'TooFewReplicas',
    });
  });

  it('holds a scale-down for the stabilization window, then scales down', async () => {
    const pods = [webPod('a'), webPod('b'), webPod('c'), webPod('d')];
    const busy = ['a', 'b', 'c', 'd'].map((n) => usage(n, '50m'));
    const t = await start(
      hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }),
      pods,
      busy,
      4,
    );
    await t.reconcile(); // at target: recommends 4
    expect(t.scaled).toEqual([]);
    const f = fx as Fixture;
    for (const m of busy) f.client.seed(POD_METRICS, usage(m.metadata.name ?? '', '20m'));
    t.advance(30_000);
    await t.reconcile(); // 20 % → 2, but 4 was recommended 30 s ago
    expect(t.scaled).toEqual([]);
    t.advance(40_000);
    await t.reconcile(); // the 4 left the 60 s window; the 2 of 40 s ago is the ceiling
    expect(t.scaled).toEqual([2]);
  });

  it('reports a target it cannot scale (AbleToScale=False) without writing a scale', async () => {
    const t = await start(
      hpa({ scaleTargetRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'web' } }),
      [],
      [],
      1,
    );
    await t.reconcile();
    expect(t.scaled).toEqual([]);
    expect(t.status()[0]?.conditions?.[0]).toMatchObject({
      type: 'AbleToScale',
      status: 'False',
      reason: 'FailedGetScale',
    });
  });
});
