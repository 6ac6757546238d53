import { describe, expect, it } from 'vitest';
import { decodeKubeProtobuf, kindSchema } from './index.js';
import { envelope, int, len } from '../../testing/protobuf-encoder.js';

/** A map<string, Quantity> entry as Go's protobuf writes it. */
const quantityEntry = (no: number, key: string, q: string): number[] =>
  len(no, [...len(1, key), ...len(2, len(1, q))]);

describe('PriorityClass and ResourceQuota protobuf schemas', () => {
  it('decodes a PriorityClass as kubectl create priorityclass sends it', () => {
    const raw = [
      ...len(1, [...len(1, 'high')]),
      ...int(2, 1000),
      ...int(3, 0),
      ...len(4, 'x'),
      ...len(5, 'Never'),
    ];
    expect(decodeKubeProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', raw))).toEqual({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
      description: 'x',
      preemptionPolicy: 'Never',
    });
  });

  it('keeps a value of 0 and negative values (int32 written always)', () => {
    const zero = [...len(1, len(1, 'zero')), ...int(2, 0), ...int(3, 1)];
    expect(
      decodeKubeProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', zero)),
    ).toMatchObject({ value: 0, globalDefault: true });
    const neg = [...len(1, len(1, 'neg')), ...int(2, -5)];
    expect(
      decodeKubeProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', neg)),
    ).toMatchObject({ value: -5 });
  });

  it('decodes a ResourceQuota: spec.hard, scopes, scopeSelector and status', () => {
    const spec = [
      ...quantityEntry(1, 'pods', '2'),
      ...quantityEntry(1, 'requests.cpu', '500m'),
      ...len(2, 'NotTerminating'),
      ...len(3, len(1, [...len(1, 'PriorityClass'), ...len(2, 'In'), ...len(3, 'high')])),
    ];
    const status = [...quantityEntry(1, 'pods', '2'), ...quantityEntry(2, 'pods', '1')];
    const raw = [...len(1, [...len(1, 'q'), ...len(3, 'ns')]), ...len(2, spec), ...len(3, status)];
    expect(decodeKubeProtobuf(envelope('v1', 'ResourceQuota', raw))).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'ns' },
      spec: {
        hard: { pods: '2', 'requests.cpu': '500m' },
        scopes: ['NotTerminating'],
        scopeSelector: {
          matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }],
        },
      },
      status: { hard: { pods: '2' }, used: { pods: '1' } },
    });
  });

  it('serves both kinds to OpenAPI and field validation', () => {
    expect(kindSchema('scheduling.k8s.io/v1', 'PriorityClass')).toBeDefined();
    expect(kindSchema('v1', 'ResourceQuota')).toBeDefined();
  });
});
