import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import type { HorizontalPodAutoscaler } from '../../api/index.js';
import {
  LABEL_RETAIN_REPLICAS,
  retainMemberFields,
  retainsAutoscaledReplicas,
} from './builtin-retain.js';

const deploy = (replicas: number, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels },
  spec: { replicas, template: {} },
});

const hpa = (kind: string, name: string, apiVersion = 'apps/v1'): HorizontalPodAutoscaler => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'h', namespace: 'default' },
  spec: { scaleTargetRef: { apiVersion, kind, name }, minReplicas: 3, maxReplicas: 5 },
});

describe('builtin retain', () => {
  it('keeps the replicas of a workload a member autoscaler targets', () => {
    const out = retainMemberFields(deploy(1), deploy(3), {
      autoscalers: [hpa('Deployment', 'web')],
    });
    expect((out.spec as { replicas: number }).replicas).toBe(3);
  });

  it("writes the federation's replicas when no autoscaler targets the object", () => {
    const others = [
      hpa('Deployment', 'api'),
      hpa('StatefulSet', 'web'),
      hpa('Deployment', 'web', 'x.io/v1'),
    ];
    const desired = deploy(1);
    expect(retainMemberFields(desired, deploy(3), { autoscalers: others })).toBe(desired);
  });

  it('keeps the replicas when the template carries the retain-replicas label', () => {
    const out = retainMemberFields(deploy(1, { [LABEL_RETAIN_REPLICAS]: 'true' }), deploy(4), {
      autoscalers: [],
    });
    expect((out.spec as { replicas: number }).replicas).toBe(4);
  });

  it("keeps a Service's allocated clusterIP and leaves other kinds alone", () => {
    const svc = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec,
    });
    const out = retainMemberFields(svc({ ports: [] }), svc({ clusterIP: '10.0.0.9', ports: [] }), {
      autoscalers: [],
    });
    expect(out.spec).toEqual({ ports: [], clusterIP: '10.0.0.9' });
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    expect(retainMemberFields(cm, { ...cm, data: { a: 'b' } }, { autoscalers: [] })).toBe(cm);
    expect(retainsAutoscaledReplicas(deploy(1))).toBe(true);
    expect(retainsAutoscaledReplicas(cm)).toBe(false);
  });
});
