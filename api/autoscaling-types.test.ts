import { describe, expect, it } from 'vitest';
import {
  horizontalPodAutoscalerType,
  horizontalPodAutoscalerV1Type,
  hpaFromV1,
  hpaToV1,
} from './autoscaling-resource-types.js';
import type { HorizontalPodAutoscaler } from './autoscaling-types.js';

const v2 = (spec: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    maxReplicas: 5,
    ...spec,
  },
});

const fields = (causes: { field?: string }[]): string[] => causes.map((c) => c.field ?? '');

describe('HorizontalPodAutoscaler types', () => {
  it('defaults minReplicas and an 80 % CPU metric, as autoscaling/v2 does', () => {
    const h = v2();
    horizontalPodAutoscalerType.defaults?.(h);
    expect(h.spec.minReplicas).toBe(1);
    expect(h.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
  });

  it('validates the target, the replica bounds, metrics and behavior', () => {
    const bad = v2({
      scaleTargetRef: { kind: '', name: '' },
      minReplicas: 4,
      maxReplicas: 2,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 4000 } },
    });
    expect(fields(horizontalPodAutoscalerType.validate?.(bad, undefined) ?? [])).toEqual([
      'spec.scaleTargetRef.kind',
      'spec.scaleTargetRef.name',
      'spec.maxReplicas',
      'spec.metrics[0].resource.target.averageUtilization',
      'spec.behavior.scaleDown.stabilizationWindowSeconds',
    ]);
    expect(horizontalPodAutoscalerType.validate?.(v2({ minReplicas: 2 }), undefined)).toEqual([]);
  });

  it('serves v1 as a view of v2 that round-trips what v1 cannot express', () => {
    const h = v2({
      minReplicas: 2,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
    });
    const v1 = hpaToV1(h);
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({
      scaleTargetRef: h.spec.scaleTargetRef,
      minReplicas: 2,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 60,
    });
    expect(hpaFromV1(v1)).toEqual(h);
    expect(horizontalPodAutoscalerV1Type.storageConversion?.toStorage(v1)).toEqual(h);
  });
});
