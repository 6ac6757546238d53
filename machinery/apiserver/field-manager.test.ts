import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { InvalidError } from '../errors/index.js';
import type { KubeObject } from '../meta.js';
import type { ResourceType } from '../resource-type.js';
import { RequestFieldManager } from './field-manager.js';

function ctx(
  method: string,
  query: Record<string, string>,
  headers: Record<string, string>,
): Context {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, query, get: (h: string) => lower[h.toLowerCase()] ?? '' } as unknown as Context;
}

const rt: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  subresources: { status: true },
  defaults: (o) => {
    const spec = o.spec as { replicas?: number };
    spec.replicas ??= 1;
  },
};
const now = (): Date => new Date('2026-03-04T05:06:07.891Z');

describe('RequestFieldManager', () => {
  it('names the manager by fieldManager, else by the User-Agent before its first /', () => {
    const ua = { 'User-Agent': 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc' };
    expect(RequestFieldManager.fromRequest(ctx('PUT', {}, ua)).manager).toBe('kubectl');
    expect(RequestFieldManager.fromRequest(ctx('PUT', { fieldManager: 'ci' }, ua)).manager).toBe(
      'ci',
    );
    const apply = RequestFieldManager.fromRequest(
      ctx(
        'PATCH',
        { fieldManager: 'a', force: 'true' },
        { 'Content-Type': 'application/apply-patch+yaml' },
      ),
    );
    expect([apply.operation, apply.force]).toEqual(['Apply', true]);
  });

  it('refuses an apply without fieldManager, force on other patches and long names (422)', () => {
    const applyCt = { 'Content-Type': 'application/apply-patch+yaml' };
    expect(() => RequestFieldManager.fromRequest(ctx('PATCH', {}, applyCt))).toThrow(InvalidError);
    expect(() =>
      RequestFieldManager.fromRequest(
        ctx('PATCH', { force: 'true' }, { 'Content-Type': 'application/merge-patch+json' }),
      ),
    ).toThrow('force: Forbidden: may not be specified for non-apply patch');
    expect(() =>
      RequestFieldManager.fromRequest(ctx('POST', { fieldManager: 'x'.repeat(129) }, {})),
    ).toThrow(/fieldManager: Too long/);
  });

  it('records a create as an Update entry including defaulted fields, time in seconds', () => {
    const fm = RequestFieldManager.fromRequest(ctx('POST', { fieldManager: 'maker' }, {}), now);
    const out = fm.created(rt, {
      metadata: { name: 'web' },
      spec: { paused: false },
      status: { replicas: 9 },
    }) as KubeObject;
    expect(out.metadata.managedFields).toEqual([
      {
        manager: 'maker',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-03-04T05:06:07Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { '.': {}, 'f:paused': {}, 'f:replicas': {} } },
      },
    ]);
  });

  it('checks the kind of an applied configuration', () => {
    const fm = RequestFieldManager.fromRequest(
      ctx('PATCH', { fieldManager: 'a' }, { 'Content-Type': 'application/apply-patch+yaml' }),
    );
    const live: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
    };
    expect(() => fm.apply(rt, live, { apiVersion: 'v1', kind: 'Pod' })).toThrow(/does not match/);
  });
});
