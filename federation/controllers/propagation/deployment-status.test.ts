import { describe, expect, it } from 'vitest';
import type { DeploymentCondition } from '../../../api/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import {
  federatedDeploymentConditions,
  federatedObservedGeneration,
  memberObserved,
  type MemberWorkload,
} from './deployment-status.js';
import { aggregateStatus } from './status-aggregation.js';
import { ANNOTATION_GENERATION } from './member-object.js';

const now = new Date('2026-01-01T00:00:00Z');

/** A member copy written from template generation `tgen`, at member generation 2. */
function copy(
  cluster: string,
  opts: { tgen?: number; observed?: number; available?: string; progressing?: [string, string] },
): MemberWorkload {
  const [pStatus, pReason] = opts.progressing ?? ['True', 'NewReplicaSetAvailable'];
  return {
    cluster,
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        generation: 2,
        annotations: { [ANNOTATION_GENERATION]: String(opts.tgen ?? 3) },
      },
      status: {
        observedGeneration: opts.observed ?? 2,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 1,
        availableReplicas: 1,
        unavailableReplicas: 1,
        conditions: [
          { type: 'Available', status: opts.available ?? 'True', reason: 'x' },
          { type: 'Progressing', status: pStatus, reason: pReason, message: `${cluster} msg` },
        ],
      },
    },
  };
}

const pick = (cs: DeploymentCondition[]): string[][] =>
  cs.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']);

describe('memberObserved / federatedObservedGeneration', () => {
  it('needs the copy of this template generation, observed by the member', () => {
    expect(memberObserved(3, copy('a', {}).object)).toBe(true);
    expect(memberObserved(3, copy('a', { tgen: 2 }).object)).toBe(false);
    expect(memberObserved(3, copy('a', { observed: 1 }).object)).toBe(false);
    expect(memberObserved(3, undefined)).toBe(false);
  });

  it('reaches the template generation only when every member observed it', () => {
    expect(federatedObservedGeneration(3, [copy('a', {}), copy('b', {})], 2)).toBe(3);
    expect(federatedObservedGeneration(3, [copy('a', {}), copy('b', { observed: 1 })], 2)).toBe(2);
    expect(federatedObservedGeneration(3, [copy('a', { tgen: 2 })], undefined)).toBeUndefined();
    expect(federatedObservedGeneration(3, [], 2)).toBe(2);
  });
});

describe('federatedDeploymentConditions', () => {
  it('is Available and complete when every member is', () => {
    expect(pick(federatedDeploymentConditions([copy('a', {}), copy('b', {})], [], now))).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable', expect.any(String) as string],
      ['Progressing', 'True', 'NewReplicaSetAvailable', expect.any(String) as string],
    ]);
  });

  it('names the members that are not Available; progressing while one still rolls', () => {
    const cs = federatedDeploymentConditions(
      [
        copy('a', {}),
        copy('b', { available: 'False', progressing: ['True', 'ReplicaSetUpdated'] }),
      ],
      [],
      now,
    );
    expect(pick(cs)).toEqual([
      [
        'Available',
        'False',
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability in cluster(s) b.',
      ],
      ['Progressing', 'True', 'ReplicaSetUpdated', 'Deployment is progressing in its clusters.'],
    ]);
  });

  it('fails Progressing with the members’ messages when any exceeded its deadline', () => {
    const cs = federatedDeploymentConditions(
      [
        copy('a', { progressing: ['False', 'ProgressDeadlineExceeded'] }),
        copy('b', { progressing: ['True', 'ReplicaSetUpdated'] }),
      ],
      [],
      now,
    );
    expect(pick(cs)[1]).toEqual([
      'Progressing',
      'False',
      'ProgressDeadlineExceeded',
      'cluster a: a msg',
    ]);
  });

  it('is neither when placed nowhere', () => {
    expect(pick(federatedDeploymentConditions([], undefined, now, 'no fit'))).toEqual([
      ['Available', 'False', 'NotScheduled', 'no fit'],
      ['Progressing', 'False', 'NotScheduled', 'no fit'],
    ]);
  });

  it('keeps the times of unchanged conditions (no status write per resync)', () => {
    const first = federatedDeploymentConditions([copy('a', {})], [], now);
    const later = new Date('2026-01-01T01:00:00Z');
    expect(federatedDeploymentConditions([copy('a', {})], first, later)).toEqual(first);
    const changed = federatedDeploymentConditions(
      [copy('a', { available: 'False' })],
      first,
      later,
    );
    expect(changed[0]?.lastTransitionTime).toBe('2026-01-01T01:00:00Z');
    expect(changed[1]).toEqual(first[1]);
  });
});

describe('aggregateStatus of a Deployment', () => {
  const tmpl: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation: 3 },
    status: { observedGeneration: 2 },
  };

  it('sums the members, gates observedGeneration and adds the conditions', () => {
    const st = aggregateStatus(tmpl, [copy('a', {}), copy('b', { observed: 1 })], now);
    expect(st).toMatchObject({
      observedGeneration: 2,
      replicas: 4,
      updatedReplicas: 4,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 2,
      conditions: [{ type: 'Available' }, { type: 'Progressing' }],
    });
    expect(aggregateStatus(tmpl, [copy('a', {}), copy('b', {})], now)?.observedGeneration).toBe(3);
  });
});
