import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../meta.js';
import { builtInSchema } from './apply-schema.js';
import { ApplyConflictError } from './apply-conflict-error.js';
import {
  applyConfiguration,
  ignoredFields,
  recordUpdate,
  type FieldManagerScope,
} from './apply.js';

const schema = builtInSchema({ '.spec.template.spec.containers': 'name' });

function scope(
  manager: string,
  now = '2026-01-01T00:00:00Z',
  subresource?: string,
): FieldManagerScope {
  const s: FieldManagerScope = {
    manager,
    apiVersion: 'apps/v1',
    schema,
    ignored: ignoredFields(true, subresource),
    now,
  };
  if (subresource !== undefined) s.subresource = subresource;
  return s;
}

const empty: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} };

function config(replicas: number, labels: Record<string, string>, image = 'nginx'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels },
    spec: {
      replicas,
      template: { spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

function managers(obj: KubeObject): string[] {
  return (obj.metadata.managedFields ?? []).map(
    (e) => `${String(e.manager)}/${String(e.operation)}`,
  );
}

function fieldsOf(obj: KubeObject, manager: string): unknown {
  return obj.metadata.managedFields?.find((e) => e.manager === manager)?.fieldsV1;
}

describe('applyConfiguration', () => {
  it('creates with one Apply entry owning exactly the applied fields', () => {
    const obj = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    expect(obj.spec).toEqual({
      replicas: 2,
      template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    });
    expect(obj.metadata.managedFields).toEqual([
      {
        manager: 'a',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2026-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:spec': {
                'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
              },
            },
          },
        },
      },
    ]);
  });

  it('merges associative lists by key instead of replacing them', () => {
    const live = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    const side: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } },
    };
    const obj = applyConfiguration(live, side, scope('b'), false);
    expect(
      (obj.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers,
    ).toEqual([
      { name: 'web', image: 'nginx' },
      { name: 'side', image: 'busybox' },
    ]);
    expect(managers(obj)).toEqual(['a/Apply', 'b/Apply']);
  });

  it('refuses a change to a field another manager owns, naming manager and field', () => {
    const live = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    const b: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 5 },
    };
    let err: unknown;
    try {
      applyConfiguration(live, b, scope('b'), false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApplyConflictError);
    const status = (err as ApplyConflictError).toStatus();
    expect(status.code).toBe(409);
    expect(status.reason).toBe('Conflict');
    expect(status.message).toBe('Apply failed with 1 conflict: conflict with "a": .spec.replicas');
    expect(status.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.replicas' },
    ]);
  });

  it('shares a field applied with the same value, without conflict', () => {
    const live = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    const b: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2 },
    };
    const obj = applyConfiguration(live, b, scope('b'), false);
    expect(fieldsOf(obj, 'a')).toMatchObject({ 'f:spec': { 'f:replicas': {} } });
    expect(fieldsOf(obj, 'b')).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('force moves the conflicting field to the applier', () => {
    const live = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    const b: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 5 },
    };
    const obj = applyConfiguration(live, b, scope('b'), true);
    expect((obj.spec as { replicas: number }).replicas).toBe(5);
    expect(fieldsOf(obj, 'b')).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(JSON.stringify(fieldsOf(obj, 'a'))).not.toContain('f:replicas');
    // a re-applying its old value now conflicts with b
    expect(() => applyConfiguration(obj, config(2, { app: 'web' }), scope('a'), false)).toThrow(
      'conflict with "b": .spec.replicas',
    );
  });

  it('removes fields the applier no longer applies, unless another manager owns them', () => {
    const live = applyConfiguration(
      empty,
      config(2, { app: 'web', tier: 'front' }),
      scope('a'),
      false,
    );
    const shared = applyConfiguration(
      live,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', labels: { tier: 'front' } },
      },
      scope('b'),
      false,
    );
    const obj = applyConfiguration(
      shared,
      config(2, {}, 'nginx'),
      scope('a', '2026-01-01T00:01:00Z'),
      false,
    );
    // app was a's alone: gone; tier is b's too: kept
    expect(obj.metadata.labels).toEqual({ tier: 'front' });
    // dropping a container removes the item from the list
    const noContainers = applyConfiguration(
      obj,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 2 },
      },
      scope('a'),
      false,
    );
    expect(noContainers.spec).toEqual({ replicas: 2, template: { spec: { containers: [] } } });
  });

  it('keeps the time of an unchanged re-apply and refuses managedFields in the configuration', () => {
    const live = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    const again = applyConfiguration(
      live,
      config(2, { app: 'web' }),
      scope('a', '2030-01-01T00:00:00Z'),
      false,
    );
    expect(again.metadata.managedFields?.[0]?.time).toBe('2026-01-01T00:00:00Z');
    const bad = { ...config(2, {}), metadata: { name: 'web', managedFields: [] } };
    expect(() => applyConfiguration(live, bad, scope('a'), false)).toThrow(
      'metadata.managedFields must be nil',
    );
  });
});

describe('recordUpdate', () => {
  it('gives an updater the fields it changed, taking them from the applier', () => {
    const live = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    const next = structuredClone(live);
    (next.spec as { replicas: number }).replicas = 4;
    const obj = recordUpdate(live, next, scope('kubectl', '2026-01-02T00:00:00Z', 'scale'));
    expect(obj.metadata.managedFields?.[1]).toEqual({
      manager: 'kubectl',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2026-01-02T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      subresource: 'scale',
    });
    expect(JSON.stringify(fieldsOf(obj, 'a'))).not.toContain('f:replicas');
    expect(() => applyConfiguration(obj, config(2, { app: 'web' }), scope('a'), false)).toThrow(
      'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1 at 2026-01-02T00:00:00Z: .spec.replicas',
    );
  });

  it('owns a created object whole, ignores server-set metadata and status, and drops removed fields', () => {
    const body: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', uid: 'u', labels: { app: 'web' } },
      spec: { replicas: 1 },
      status: { replicas: 1 },
    };
    const created = recordUpdate(empty, structuredClone(body), scope('kubectl-create'));
    expect(fieldsOf(created, 'kubectl-create')).toEqual({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { '.': {}, 'f:replicas': {} },
    });
    const next = structuredClone(created);
    delete next.metadata.labels;
    const updated = recordUpdate(created, next, scope('editor'));
    expect(fieldsOf(updated, 'kubectl-create')).toEqual({
      'f:spec': { '.': {}, 'f:replicas': {} },
    });
    // nothing changed by editor: no entry
    expect(managers(updated)).toEqual(['kubectl-create/Update']);
  });

  it('honours managedFields sent on update and resets them on an empty list', () => {
    const live = applyConfiguration(empty, config(2, { app: 'web' }), scope('a'), false);
    const reset = structuredClone(live);
    reset.metadata.managedFields = [];
    expect(recordUpdate(live, reset, scope('x')).metadata.managedFields).toBeUndefined();
    const absent = structuredClone(live);
    delete absent.metadata.managedFields;
    expect(managers(recordUpdate(live, absent, scope('x')))).toEqual(['a/Apply']);
    const replaced = structuredClone(live);
    replaced.metadata.managedFields = [
      {
        manager: 'other',
        operation: 'Update',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
    ];
    expect(managers(recordUpdate(live, replaced, scope('x')))).toEqual(['other/Update']);
  });
});
