import { describe, expect, it } from 'vitest';
import type { Event } from './core-types.js';
import {
  eventToEventsV1,
  eventsV1EventType,
  eventsV1ToEvent,
  type EventsV1Event,
} from './events-types.js';

const meta = { name: 'web.1', namespace: 'default', uid: 'u-1', resourceVersion: '42' };
const ref = { kind: 'Pod', name: 'web', namespace: 'default', uid: 'p-1', apiVersion: 'v1' };

/** A core/v1 Event with every field the conversion touches. */
function coreEvent(): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { ...meta },
    involvedObject: { ...ref, fieldPath: 'spec.containers{web}' },
    related: { kind: 'Node', name: 'n1', apiVersion: 'v1' },
    reason: 'Pulled',
    message: 'Successfully pulled image',
    type: 'Normal',
    count: 3,
    firstTimestamp: '2026-11-30T10:00:00Z',
    lastTimestamp: '2026-11-30T10:05:00Z',
    source: { component: 'kubelet', host: 'n1' },
    eventTime: '2026-11-30T10:00:00.123456Z',
    series: { count: 2, lastObservedTime: '2026-11-30T10:05:00.000000Z' },
    action: 'Pulling',
    reportingComponent: 'kubelet',
    reportingInstance: 'n1',
  };
}

describe('events.k8s.io/v1 ↔ core/v1 Event conversion', () => {
  it('renames the fields as Kubernetes does and keeps metadata', () => {
    const v1 = eventToEventsV1(coreEvent());
    expect(v1).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: meta,
      regarding: { ...ref, fieldPath: 'spec.containers{web}' },
      related: { kind: 'Node', name: 'n1', apiVersion: 'v1' },
      reason: 'Pulled',
      note: 'Successfully pulled image',
      type: 'Normal',
      deprecatedCount: 3,
      deprecatedFirstTimestamp: '2026-11-30T10:00:00Z',
      deprecatedLastTimestamp: '2026-11-30T10:05:00Z',
      deprecatedSource: { component: 'kubelet', host: 'n1' },
      eventTime: '2026-11-30T10:00:00.123456Z',
      series: { count: 2, lastObservedTime: '2026-11-30T10:05:00.000000Z' },
      action: 'Pulling',
      reportingController: 'kubelet',
      reportingInstance: 'n1',
    });
  });

  it('round-trips core → events.k8s.io → core', () => {
    const e = coreEvent();
    expect(eventsV1ToEvent(eventToEventsV1(e))).toEqual(e);
  });

  it('round-trips events.k8s.io → core → events.k8s.io', () => {
    const v1: EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { ...meta },
      eventTime: '2026-11-30T10:00:00.000001Z',
      reportingController: 'example.com/ctl',
      reportingInstance: 'ctl-0',
      action: 'Reconcile',
      reason: 'Synced',
      regarding: { ...ref },
      note: 'synced',
      type: 'Warning',
    };
    const core = eventsV1ToEvent(v1);
    expect(core.apiVersion).toBe('v1');
    expect(core.message).toBe('synced');
    expect(core.involvedObject).toEqual(ref);
    expect(core.reportingComponent).toBe('example.com/ctl');
    expect(eventToEventsV1(core)).toEqual(v1);
  });

  it('gives a core Event without regarding an empty involvedObject, as Go does', () => {
    const core = eventsV1ToEvent({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: {} });
    expect(core.involvedObject).toEqual({});
  });

  it('validates creates through the new API as Kubernetes does', () => {
    const bad: EventsV1Event = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta };
    const fields = (eventsV1EventType.validate?.(bad, undefined) ?? []).map((c) => c.field);
    expect(fields).toEqual([
      'eventTime',
      'reportingController',
      'reportingInstance',
      'action',
      'reason',
      'type',
    ]);
    // updates (e.g. of an Event a core/v1 writer made) keep the legacy rules
    expect(eventsV1EventType.validate?.(bad, bad)).toEqual([]);
    expect(eventsV1EventType.shortNames).toBeUndefined();
  });
});
