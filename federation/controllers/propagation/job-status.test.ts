import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../api/index.js';
import type { MemberWorkload } from './deployment-status.js';
import { aggregateJobStatus } from './job-status.js';
import { aggregateStatus } from './status-aggregation.js';

const NOW = new Date('2026-01-01T00:00:10Z');

function member(cluster: string, status: JobStatus | undefined): MemberWorkload {
  return {
    cluster,
    object: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'ns' },
      spec: {},
      ...(status ? { status } : {}),
    },
  };
}

const complete = (at: string): NonNullable<JobStatus['conditions']> => [
  { type: 'Complete', status: 'True', lastTransitionTime: at },
];

describe('aggregateJobStatus', () => {
  it('sums the members’ counts while they run, with no condition', () => {
    const s = aggregateJobStatus(
      [
        member('a', { active: 2, succeeded: 1, startTime: '2026-01-01T00:00:02Z' }),
        member('b', { active: 1, succeeded: 2, failed: 1, startTime: '2026-01-01T00:00:01Z' }),
        member('c', undefined),
      ],
      undefined,
      NOW,
    );
    expect(s).toEqual({
      active: 3,
      succeeded: 3,
      failed: 1,
      ready: 0,
      startTime: '2026-01-01T00:00:01Z',
    });
  });

  it('reports succeeded 6 and Complete once every member’s share completed', () => {
    const members = [
      member('a', {
        succeeded: 3,
        completionTime: '2026-01-01T00:00:05Z',
        conditions: complete('2026-01-01T00:00:05Z'),
      }),
      member('b', {
        succeeded: 3,
        completionTime: '2026-01-01T00:00:07Z',
        conditions: complete('2026-01-01T00:00:07Z'),
      }),
    ];
    const s = aggregateJobStatus(members, undefined, NOW);
    expect(s.succeeded).toBe(6);
    expect(s.completionTime).toBe('2026-01-01T00:00:07Z');
    expect(s.conditions).toEqual([
      expect.objectContaining({
        type: 'Complete',
        status: 'True',
        lastTransitionTime: '2026-01-01T00:00:10Z',
      }),
    ]);
    // a later resync keeps the transition time (no status write for nothing)
    const again = aggregateJobStatus(members, s, new Date('2026-01-01T00:01:00Z'));
    expect(again).toEqual(s);
  });

  it('is not Complete while one member still runs, and Failed when one failed', () => {
    const done = member('a', { succeeded: 3, conditions: complete('2026-01-01T00:00:05Z') });
    expect(
      aggregateJobStatus([done, member('b', { active: 1, succeeded: 2 })], undefined, NOW)
        .conditions,
    ).toBeUndefined();
    const failed = aggregateJobStatus(
      [done, member('b', { failed: 7, conditions: [{ type: 'Failed', status: 'True' }] })],
      undefined,
      NOW,
    );
    expect(failed.conditions?.map((c) => [c.type, c.status, c.message])).toEqual([
      ['Failed', 'True', 'Job failed in cluster(s) b'],
    ]);
  });

  it('is what aggregateStatus gives a Job template', () => {
    const tmpl = member('fed', undefined).object;
    if (!tmpl) throw new Error('no template');
    const agg = aggregateStatus(
      tmpl,
      [member('a', { succeeded: 2 }), member('b', { succeeded: 4 })],
      NOW,
    );
    expect(agg).toMatchObject({ succeeded: 6, active: 0, failed: 0 });
  });
});
