import { describe, expect, it } from 'vitest';
import { decodeKubeProtobuf, kindSchema } from './index.js';
import { envelope, int, len } from '../../testing/protobuf-encoder.js';

describe('events.k8s.io/v1 Event protobuf schema', () => {
  it('decodes the fields by Kubernetes numbering', () => {
    const raw = [
      ...len(1, [...len(1, 'e1'), ...len(3, 'default')]),
      // MicroTime {seconds, nanos}: the fraction is kept to the microsecond
      ...len(2, [...int(1, 1_764_496_800), ...int(2, 123_456_789)]),
      ...len(3, [...int(1, 4), ...len(2, [...int(1, 1_764_496_860)])]),
      ...len(4, 'example.com/ctl'),
      ...len(5, 'ctl-0'),
      ...len(6, 'Scale'),
      ...len(7, 'ScaledUp'),
      ...len(8, [...len(1, 'Deployment'), ...len(3, 'web'), ...len(7, 'spec.replicas')]),
      ...len(10, 'scaled web'),
      ...len(11, 'Normal'),
      ...len(12, [...len(1, 'ctl')]),
      ...int(15, 4),
    ];
    expect(decodeKubeProtobuf(envelope('events.k8s.io/v1', 'Event', raw))).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'default' },
      eventTime: '2025-11-30T10:00:00.123456Z',
      series: { count: 4, lastObservedTime: '2025-11-30T10:01:00.000000Z' },
      reportingController: 'example.com/ctl',
      reportingInstance: 'ctl-0',
      action: 'Scale',
      reason: 'ScaledUp',
      regarding: { kind: 'Deployment', name: 'web', fieldPath: 'spec.replicas' },
      note: 'scaled web',
      type: 'Normal',
      deprecatedSource: { component: 'ctl' },
      deprecatedCount: 4,
    });
    expect(kindSchema('events.k8s.io/v1', 'Event')).toBeDefined();
  });
});
