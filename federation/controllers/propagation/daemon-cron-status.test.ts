import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../machinery/meta.js';
import { ANNOTATION_GENERATION } from './member-object.js';
import { aggregateStatus } from './status-aggregation.js';
import type { MemberWorkload } from './deployment-status.js';

const NOW = new Date('2026-01-01T00:00:10Z');

function member(cluster: string, kind: string, status: Record<string, unknown>): MemberWorkload {
  return {
    cluster,
    object: {
      apiVersion: kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
      kind,
      metadata: { name: 'x', generation: 1, annotations: { [ANNOTATION_GENERATION]: '2' } },
      status: { observedGeneration: 1, ...status },
    },
  };
}

const template = (kind: string): KubeObject => ({
  apiVersion: kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
  kind,
  metadata: { name: 'x', generation: 2 },
  spec: {},
});

describe('aggregateStatus of workloads without replicas', () => {
  it('sums a DaemonSet’s counts over its members', () => {
    const s = aggregateStatus(
      template('DaemonSet'),
      [
        member('a', 'DaemonSet', { desiredNumberScheduled: 2, numberReady: 2, numberAvailable: 1 }),
        member('b', 'DaemonSet', {
          desiredNumberScheduled: 1,
          numberReady: 0,
          numberUnavailable: 1,
        }),
      ],
      NOW,
    );
    expect(s).toEqual({
      observedGeneration: 2,
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 3,
      numberReady: 2,
      updatedNumberScheduled: 0,
      numberAvailable: 1,
      numberUnavailable: 1,
    });
  });

  it('keeps a CronJob’s active Jobs of every member and its latest times', () => {
    const s = aggregateStatus(
      template('CronJob'),
      [
        member('a', 'CronJob', {
          active: [{ name: 'tick-1' }],
          lastScheduleTime: '2026-01-01T00:01:00Z',
          lastSuccessfulTime: '2026-01-01T00:00:30Z',
        }),
        member('b', 'CronJob', { lastScheduleTime: '2026-01-01T00:02:00Z' }),
        member('c', 'CronJob', {}),
      ],
      NOW,
    );
    expect(s).toEqual({
      active: [{ name: 'tick-1' }],
      lastScheduleTime: '2026-01-01T00:02:00Z',
      lastSuccessfulTime: '2026-01-01T00:00:30Z',
    });
    expect(aggregateStatus(template('CronJob'), [], NOW)).toEqual({});
  });
});
