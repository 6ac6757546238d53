import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { isSubset, planApply } from './apply-diff.js';

const desired = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', labels: { a: '1' } },
  data: { k: 'v' },
} as KubeObject;
const stored = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'c',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '7',
    labels: { a: '1' },
    annotations: { keep: 'me' },
  },
  data: { k: 'v' },
} as KubeObject;

describe('planApply', () => {
  it('creates with the namespace when nothing is stored', () => {
    const p = planApply(desired, undefined, 'ns');
    expect(p).toEqual({
      action: 'create',
      object: { ...desired, metadata: { name: 'c', labels: { a: '1' }, namespace: 'ns' } },
    });
  });

  it('is unchanged when every field of the manifest matches (server defaults ignored)', () => {
    expect(planApply(desired, { ...stored, status: { x: 1 } }, 'ns')).toEqual({
      action: 'unchanged',
    });
  });

  it('configures with the stored resourceVersion and keeps server-owned metadata', () => {
    const p = planApply({ ...desired, data: { k: 'v2' } }, stored, 'ns');
    expect(p.action).toBe('configure');
    if (p.action !== 'configure') return;
    expect(p.object.metadata).toMatchObject({
      uid: 'u1',
      resourceVersion: '7',
      namespace: 'ns',
      labels: { a: '1' },
      annotations: { keep: 'me' },
    });
    expect((p.object as unknown as { data: unknown }).data).toEqual({ k: 'v2' });
  });

  it('sees a removed label as a change', () => {
    const withExtra = { ...stored, metadata: { ...stored.metadata, labels: { a: '1', b: '2' } } };
    expect(planApply(desired, withExtra, 'ns').action).toBe('configure');
  });
});

describe('isSubset', () => {
  it('compares arrays whole and objects by the wanted keys', () => {
    expect(isSubset({ a: [1, 2] }, { a: [1, 2], b: 3 })).toBe(true);
    expect(isSubset({ a: [1] }, { a: [1, 2] })).toBe(false);
    expect(isSubset({ a: { b: 1 } }, { a: null })).toBe(false);
  });
});
