import { describe, expect, it } from 'vitest';
import type { GracefulEvictionTask, ResourceBinding } from './federation-types.js';
import { resourceBindingType } from './federation-resource-types.js';

const rb = (tasks: unknown): ResourceBinding => ({
  apiVersion: 'work.flotilla.io/v1alpha1',
  kind: 'ResourceBinding',
  metadata: { name: 'web-deployment', namespace: 'default' },
  spec: {
    resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    clusters: [{ name: 'pa', replicas: 3 }],
    gracefulEvictionTasks: tasks as GracefulEvictionTask[],
  },
});

const fields = (b: ResourceBinding): string[] =>
  (resourceBindingType.validate?.(b, undefined) ?? []).map((c) => c.field ?? '');

const ok: GracefulEvictionTask = {
  fromCluster: 'pc',
  replicas: 2,
  reason: 'TaintUntolerated',
  message: 'cluster pc has the taint maintenance:NoExecute',
  producer: 'propagation-controller',
  gracePeriodSeconds: 30,
  creationTimestamp: '2026-11-30T12:00:00Z',
};

describe('ResourceBinding gracefulEvictionTasks validation', () => {
  it('accepts Karmada-shaped tasks and no tasks', () => {
    expect(fields(rb([ok]))).toEqual([]);
    expect(fields(rb(undefined))).toEqual([]);
  });

  it('names each bad field, and a second task for the same cluster', () => {
    expect(
      fields(
        rb([
          {
            fromCluster: '',
            replicas: -1,
            reason: 'taint untolerated',
            producer: 'p'.repeat(33),
            gracePeriodSeconds: 0,
            creationTimestamp: 'yesterday',
          },
          ok,
          { ...ok, reason: '' },
        ]),
      ),
    ).toEqual([
      'spec.gracefulEvictionTasks[0].fromCluster',
      'spec.gracefulEvictionTasks[0].replicas',
      'spec.gracefulEvictionTasks[0].reason',
      'spec.gracefulEvictionTasks[0].producer',
      'spec.gracefulEvictionTasks[0].gracePeriodSeconds',
      'spec.gracefulEvictionTasks[0].creationTimestamp',
      'spec.gracefulEvictionTasks[2].reason',
      'spec.gracefulEvictionTasks[2].fromCluster',
    ]);
    expect(fields(rb('pc'))).toEqual(['spec.gracefulEvictionTasks']);
  });
});
