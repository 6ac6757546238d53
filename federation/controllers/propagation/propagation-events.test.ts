import { describe, expect, it } from 'vitest';
import type { EventRecorder } from '../../../api/index.js';
import type { Cluster, PropagationPolicy } from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { ChangeGate } from './change-gate.js';
import { PropagationEvents } from './propagation-events.js';
import { scheduleOutcome, type ScheduleOutcome } from './schedule-outcome.js';
import type { ApplyResult } from './template-type.js';

const tmpl: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', uid: 'u1', generation: 1 },
};
const ok: ScheduleOutcome = { ok: true, reason: 'Success', message: 'placed in a (1)' };

function fixture(): { events: PropagationEvents; recorded: string[] } {
  const recorded: string[] = [];
  const recorder = {
    event: (_o: KubeObject, type: string, reason: string, message: string) => {
      recorded.push(`${type} ${reason}: ${message}`);
      return Promise.resolve();
    },
  } as unknown as EventRecorder;
  const events = new PropagationEvents(recorder, (cluster) =>
    Promise.resolve([`1 container(s) ImagePullBackOff in ${cluster}`]),
  );
  return { events, recorded };
}

const exceeded: ApplyResult = {
  cluster: 'a',
  applied: true,
  object: {
    ...tmpl,
    status: {
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'timed out',
        },
      ],
    },
  },
};

describe('ChangeGate', () => {
  it('passes a state once until it changes; forget starts over', () => {
    const g = new ChangeGate();
    expect([g.changed('k', 'a'), g.changed('k', 'a'), g.changed('k', 'b')]).toEqual([
      true,
      false,
      true,
    ]);
    g.forget('k');
    expect(g.changed('k', 'b')).toBe(true);
  });
});

describe('PropagationEvents', () => {
  it('records schedule and apply events once, not on every resync', async () => {
    const { events, recorded } = fixture();
    const results: ApplyResult[] = [{ cluster: 'a', applied: true }];
    await events.reconciled(tmpl, ok, results);
    await events.reconciled(tmpl, ok, results);
    expect(recorded).toEqual([
      'Normal ScheduleBindingSucceeded: placed in a (1)',
      'Normal ApplyToClusterSucceeded: Applied Deployment ns/web (generation 1) to cluster a',
    ]);
    await events.reconciled(
      { ...tmpl, metadata: { ...tmpl.metadata, generation: 2 } },
      ok,
      results,
    );
    expect(recorded.at(-1)).toBe(
      'Normal ApplyToClusterSucceeded: Applied Deployment ns/web (generation 2) to cluster a',
    );
    expect(recorded).toHaveLength(3);
  });

  it('records a member’s apply failure with its message, and again when it changes', async () => {
    const { events, recorded } = fixture();
    await events.reconciled(tmpl, ok, [{ cluster: 'a', applied: false, message: 'denied' }]);
    await events.reconciled(tmpl, ok, [{ cluster: 'a', applied: false, message: 'denied' }]);
    await events.reconciled(tmpl, ok, [{ cluster: 'a', applied: false, message: 'gone' }]);
    expect(recorded.slice(1)).toEqual([
      'Warning ApplyToClusterFailed: Failed to apply Deployment ns/web to cluster a: denied',
      'Warning ApplyToClusterFailed: Failed to apply Deployment ns/web to cluster a: gone',
    ]);
  });

  it('records a member’s exceeded progress deadline once, with the diagnosis', async () => {
    const { events, recorded } = fixture();
    await events.reconciled(tmpl, ok, [exceeded]);
    await events.reconciled(tmpl, ok, [exceeded]);
    expect(recorded.filter((r) => r.startsWith('Warning'))).toEqual([
      'Warning ClusterRolloutFailed: cluster a: ProgressDeadlineExceeded: timed out; 1 container(s) ImagePullBackOff in a',
    ]);
  });

  it('records a schedule failure as a Warning', async () => {
    const { events, recorded } = fixture();
    const policy = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: { resourceSelectors: [], placement: { clusterAffinity: { clusterNames: ['nope'] } } },
    } as unknown as PropagationPolicy;
    const s = scheduleOutcome(policy, policy.spec.placement, [], { clusters: [] });
    await events.reconciled(tmpl, s, []);
    expect(recorded).toEqual([
      'Warning ScheduleBindingFailed: cluster(s) nope named by PropagationPolicy ns/p do not exist; placed in no cluster',
    ]);
  });
});

describe('scheduleOutcome', () => {
  const policy = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: { resourceSelectors: [], placement: {} },
  } as unknown as PropagationPolicy;
  const cluster = { metadata: { name: 'a' } } as Cluster;

  it('succeeds with the clusters and replicas placed', () => {
    expect(
      scheduleOutcome(policy, {}, [cluster], { clusters: [{ name: 'a', replicas: 2 }] }),
    ).toEqual({
      ok: true,
      reason: 'Success',
      message: 'placed in a (2) by PropagationPolicy ns/p',
    });
  });

  it('fails when nothing fits, or a named cluster is missing even if others were placed', () => {
    expect(scheduleOutcome(policy, {}, [cluster], { clusters: [] })).toMatchObject({
      ok: false,
      reason: 'NoClusterFit',
    });
    expect(
      scheduleOutcome(policy, { clusterAffinity: { clusterNames: ['a', 'b'] } }, [cluster], {
        clusters: [{ name: 'a' }],
      }),
    ).toEqual({
      ok: false,
      reason: 'ClusterNotFound',
      message: 'cluster(s) b named by PropagationPolicy ns/p do not exist; placed in a',
    });
  });
});
