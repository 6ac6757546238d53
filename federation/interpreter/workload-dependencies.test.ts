import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { hasDependencies, workloadDependencies } from './workload-dependencies.js';

const podSpec = {
  serviceAccountName: 'runner',
  imagePullSecrets: [{ name: 'pull' }],
  volumes: [
    { name: 'v1', configMap: { name: 'cm-vol' } },
    { name: 'v2', secret: { secretName: 'sec-vol' } },
    { name: 'v3', persistentVolumeClaim: { claimName: 'data' } },
    {
      name: 'v4',
      projected: {
        sources: [{ configMap: { name: 'cm-proj' } }, { secret: { name: 'sec-proj' } }],
      },
    },
    { name: 'v5', emptyDir: {} },
  ],
  initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'sec-init' } }] }],
  containers: [
    {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm-envfrom' } }, { configMapRef: { name: 'cm-vol' } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-key', key: 'a' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'sec-key', key: 'b' } } },
        { name: 'C', value: 'plain' },
      ],
    },
  ],
};

const names = (kind: string, o: Pick<KubeObject, 'metadata'> & { spec?: unknown }): string[] =>
  workloadDependencies(kind, { apiVersion: 'v1', kind, ...o }).map((d) => `${d.kind}/${d.name}`);

describe('workloadDependencies', () => {
  it("finds every reference of a Deployment's pod template, once each, sorted", () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { template: { spec: podSpec } },
    };
    expect(names('Deployment', d)).toEqual([
      'ConfigMap/cm-envfrom',
      'ConfigMap/cm-key',
      'ConfigMap/cm-proj',
      'ConfigMap/cm-vol',
      'PersistentVolumeClaim/data',
      'Secret/pull',
      'Secret/sec-init',
      'Secret/sec-key',
      'Secret/sec-proj',
      'Secret/sec-vol',
      'ServiceAccount/runner',
    ]);
    expect(workloadDependencies('Deployment', d)[0]).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'cm-envfrom',
    });
  });

  it('reads CronJobs and Pods; ignores the default ServiceAccount and kinds without pods', () => {
    const spec = {
      serviceAccountName: 'default',
      containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }] }],
    };
    const cron = {
      metadata: { name: 'c' },
      spec: { jobTemplate: { spec: { template: { spec } } } },
    };
    expect(names('CronJob', cron)).toEqual(['Secret/s']);
    expect(names('Pod', { metadata: { name: 'p' }, spec })).toEqual(['Secret/s']);
    expect(names('ConfigMap', { metadata: { name: 'x' } })).toEqual([]);
    expect(names('Deployment', { metadata: { name: 'empty' } })).toEqual([]);
    expect(hasDependencies('StatefulSet')).toBe(true);
    expect(hasDependencies('Service')).toBe(false);
  });
});
