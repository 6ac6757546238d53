import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.js';
import type { ResourceType } from '../resource-type.js';
import { metaTimestamp, planDeletion } from './graceful-deletion.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** A pod-like type: bound objects get the requested period, else spec.grace (30). */
const graceful: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Thing',
  plural: 'things',
  singular: 'thing',
  namespaced: true,
  gracefulDeletion: (o, requested) => {
    const spec = o.spec as { node?: string; grace?: number };
    if (!spec.node) return 0;
    return requested ?? spec.grace ?? 30;
  },
};
const { gracefulDeletion: _unused, ...plain } = graceful;

const thing = (spec: object, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { name: 'a', namespace: 'ns', uid: 'u1', resourceVersion: '5', ...meta },
  spec,
});

describe('planDeletion', () => {
  it('marks a graceful object with now + the default grace period', () => {
    const plan = planDeletion(graceful, thing({ node: 'n1' }), {}, NOW);
    expect(plan.action).toBe('mark');
    if (plan.action !== 'mark') return;
    expect(plan.object.metadata.deletionTimestamp).toBe('2026-01-01T00:00:30Z');
    expect(plan.object.metadata.deletionGracePeriodSeconds).toBe(30);
  });

  it('takes the grace period from DeleteOptions, then the object', () => {
    const asked = planDeletion(
      graceful,
      thing({ node: 'n1', grace: 60 }),
      { gracePeriodSeconds: 5 },
      NOW,
    );
    expect(asked.action === 'mark' && asked.object.metadata.deletionGracePeriodSeconds).toBe(5);
    const own = planDeletion(graceful, thing({ node: 'n1', grace: 60 }), {}, NOW);
    expect(own.action === 'mark' && own.object.metadata.deletionTimestamp).toBe(
      '2026-01-01T00:01:00Z',
    );
  });

  it('removes at once with grace 0, when the strategy says 0, or for types without it', () => {
    expect(planDeletion(graceful, thing({ node: 'n1' }), { gracePeriodSeconds: 0 }, NOW)).toEqual({
      action: 'remove',
    });
    expect(planDeletion(graceful, thing({}), {}, NOW)).toEqual({ action: 'remove' });
    expect(planDeletion(plain, thing({ node: 'n1' }), { gracePeriodSeconds: 30 }, NOW)).toEqual({
      action: 'remove',
    });
  });

  it('counts a negative period as 1s', () => {
    const plan = planDeletion(graceful, thing({ node: 'n1' }), { gracePeriodSeconds: -1 }, NOW);
    expect(plan.action === 'mark' && plan.object.metadata.deletionGracePeriodSeconds).toBe(1);
  });

  it('only shortens a pending graceful deletion, moving the deadline back', () => {
    const pending = thing(
      { node: 'n1' },
      { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 },
    );
    expect(planDeletion(graceful, pending, { gracePeriodSeconds: 60 }, NOW + 10_000)).toEqual({
      action: 'pending',
    });
    expect(planDeletion(graceful, pending, {}, NOW + 10_000)).toEqual({ action: 'pending' });
    const shorter = planDeletion(graceful, pending, { gracePeriodSeconds: 10 }, NOW + 5_000);
    expect(shorter.action).toBe('mark');
    if (shorter.action !== 'mark') return;
    expect(shorter.object.metadata.deletionTimestamp).toBe('2026-01-01T00:00:10Z');
    expect(shorter.object.metadata.deletionGracePeriodSeconds).toBe(10);
    expect(planDeletion(graceful, pending, { gracePeriodSeconds: 0 }, NOW)).toEqual({
      action: 'remove',
    });
  });

  it('keeps finalizers: grace 0 marks with period 0 instead of removing', () => {
    const held = thing({ node: 'n1' }, { finalizers: ['x'] });
    const plan = planDeletion(graceful, held, { gracePeriodSeconds: 0 }, NOW);
    expect(plan.action).toBe('mark');
    if (plan.action !== 'mark') return;
    expect(plan.object.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(plan.object.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(planDeletion(graceful, plan.object, {}, NOW + 1000)).toEqual({ action: 'pending' });
  });

  it('adds the propagation finalizers', () => {
    const plan = planDeletion(plain, thing({}), { propagationPolicy: 'Foreground' }, NOW);
    expect(plan.action === 'mark' && plan.object.metadata.finalizers).toEqual([
      'foregroundDeletion',
    ]);
  });
});

describe('metaTimestamp', () => {
  it('formats to the second, each second of its own (formatted once per second)', () => {
    expect(metaTimestamp(NOW)).toBe('2026-01-01T00:00:00Z');
    expect(metaTimestamp(NOW + 999)).toBe('2026-01-01T00:00:00Z');
    expect(metaTimestamp(NOW + 1000)).toBe('2026-01-01T00:00:01Z');
    // an earlier second again (a clock set back, a deletion deadline computed ahead)
    expect(metaTimestamp(NOW + 30_500)).toBe('2026-01-01T00:00:30Z');
    expect(metaTimestamp(NOW)).toBe('2026-01-01T00:00:00Z');
  });
});
