import { describe, expect, it } from 'vitest';
import type { Cluster, ResourceBinding } from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { printTable } from '../printers/index.js';
import { clusterReady, clusterRows, objectRows } from './get.js';
import { parseLabels } from './join.js';
import { clusterSection } from './describe.js';

const now = Date.parse('2026-01-01T01:00:00Z');
const cluster = (name: string, cond?: { status: string; reason: string }): Cluster =>
  ({
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name, creationTimestamp: '2026-01-01T00:00:00Z', labels: { env: 'prod' } },
    spec: {
      apiEndpoint: `http://${name}:6443`,
      secretRef: { namespace: 'flotilla-system', name: `cluster-${name}` },
      region: 'eu',
      zone: 'eu-1',
    },
    status: {
      kubernetesVersion: 'v1.32.0',
      ...(cond ? { conditions: [{ type: 'Ready', ...cond }] } : {}),
    },
  }) as Cluster;

describe('get clusters', () => {
  it('derives READY from the Ready condition', () => {
    expect(clusterReady(cluster('a', { status: 'True', reason: 'ClusterReady' }))).toBe('True');
    expect(clusterReady(cluster('a', { status: 'False', reason: 'ClusterOffline' }))).toBe(
      'Offline',
    );
    expect(clusterReady(cluster('a', { status: 'False', reason: 'ClusterNotReady' }))).toBe(
      'False',
    );
    expect(clusterReady(cluster('a'))).toBe('Unknown');
  });

  it('prints the cluster table (wide adds labels)', () => {
    const t = clusterRows([cluster('m1', { status: 'True', reason: 'ClusterReady' })], true, now);
    expect(printTable(t.headers, t.rows)).toBe(
      'NAME   READY   REGION   ZONE   ENDPOINT         VERSION   AGE   LABELS\nm1     True    eu       eu-1   http://m1:6443   v1.32.0   60m   env=prod\n',
    );
  });
});

describe('get workloads', () => {
  it('shows READY and the clusters of the binding', () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:59:00Z' },
      spec: { replicas: 3 },
      status: { readyReplicas: 2 },
    } as KubeObject;
    const b = {
      apiVersion: 'work.flotilla.io/v1alpha1',
      kind: 'ResourceBinding',
      metadata: { name: 'web-deployment', namespace: 'default' },
      spec: {
        resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' },
        clusters: [
          { name: 'm1', replicas: 2 },
          { name: 'm2', replicas: 1 },
        ],
      },
    } as ResourceBinding;
    const t = objectRows(
      {
        gvr: { group: 'apps', version: 'v1', resource: 'deployments' },
        kind: 'Deployment',
        namespaced: true,
      },
      [dep],
      [b],
      false,
      now,
    );
    expect(t.headers).toEqual(['name', 'ready', 'clusters', 'age']);
    expect(t.rows).toEqual([['web', '2/3', 'm1(2),m2(1)', '60s']]);
    const none = objectRows(
      {
        gvr: { group: '', version: 'v1', resource: 'configmaps' },
        kind: 'ConfigMap',
        namespaced: true,
      },
      [{ ...dep, kind: 'ConfigMap', spec: undefined }],
      [],
      true,
      now,
    );
    expect(none.rows).toEqual([['default', 'web', '<none>', '60s']]);
    const wide = objectRows(
      {
        gvr: { group: 'apps', version: 'v1', resource: 'deployments' },
        kind: 'Deployment',
        namespaced: true,
      },
      [{ ...dep, metadata: { ...dep.metadata, labels: { app: 'web', tier: 'fe' } } }, dep],
      [b],
      false,
      now,
      true,
    );
    expect(wide.headers).toEqual(['name', 'ready', 'clusters', 'age', 'labels']);
    expect(wide.rows.map((r) => r[4])).toEqual(['app=web,tier=fe', '<none>']);
  });

  it('describe lists per-cluster status from aggregatedStatus', () => {
    const b = {
      apiVersion: 'work.flotilla.io/v1alpha1',
      kind: 'ResourceBinding',
      metadata: { name: 'x' },
      spec: {
        resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        policy: { namespace: 'default', name: 'pp' },
        clusters: [{ name: 'm1', replicas: 2 }, { name: 'm2' }],
      },
      status: {
        aggregatedStatus: [
          { clusterName: 'm1', applied: true, health: 'Healthy', status: { readyReplicas: 2 } },
        ],
      },
    } as ResourceBinding;
    const lines = clusterSection(b).join('\n');
    expect(lines).toContain('Policy:       default/pp');
    expect(lines).toMatch(/m1\s+2\s+2\s+true\s+Healthy/);
    expect(lines).toMatch(/m2\s+-\s+-\s+pending\s+Unknown/);
  });
});

describe('parseLabels', () => {
  it('parses k=v lists and rejects malformed pairs', () => {
    expect(parseLabels('a=1,b=x=y')).toEqual({ a: '1', b: 'x=y' });
    expect(parseLabels(undefined)).toEqual({});
    expect(() => parseLabels('a')).toThrow(/bad label "a"/);
  });
});
