/**
 * events.k8s.io/v1 Events: a second API version of the core/v1 Events, served from the same
 * storage (one object, two versions) and converted on every read and write, as kube-apiserver
 * does (Kubernetes' pkg/apis/events/v1/conversion.go): `note` ↔ `message`, `regarding` ↔
 * `involvedObject`, `reportingController` ↔ `reportingComponent`, `deprecatedSource` ↔ `source`,
 * `deprecatedCount` ↔ `count`, `deprecatedFirstTimestamp`/`deprecatedLastTimestamp` ↔
 * `firstTimestamp`/`lastTimestamp`; the other fields have the same names in both.
 */
import type { KubeObject, StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import type { Event } from './core-types.js';

/** events.k8s.io/v1 Event. */
export interface EventsV1Event extends KubeObject {
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  reportingController?: string;
  reportingInstance?: string;
  action?: string;
  reason?: string;
  regarding?: Event['involvedObject'];
  related?: Event['involvedObject'];
  note?: string;
  type?: string;
  deprecatedSource?: { component?: string; host?: string };
  deprecatedFirstTimestamp?: string;
  deprecatedLastTimestamp?: string;
  deprecatedCount?: number;
}

/** events.k8s.io/v1 field name → core/v1 field name, for the fields whose names differ. */
const RENAMED: readonly (readonly [string, string])[] = [
  ['note', 'message'],
  ['regarding', 'involvedObject'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedCount', 'count'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
];

/** core/v1 field name → events.k8s.io/v1 field name. */
const TO_V1 = RENAMED.map(([v1, core]) => [core, v1] as const);

/** A copy of `obj` with its fields renamed `from` → `to` and the other fields kept. */
function rename(
  obj: KubeObject,
  apiVersion: string,
  pairs: readonly (readonly [string, string])[],
): KubeObject {
  const names = new Map(pairs);
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: structuredClone(obj.metadata) };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    out[names.get(k) ?? k] = structuredClone(v);
  }
  return out;
}

/** A core/v1 Event as events.k8s.io/v1 serves it. */
export function eventToEventsV1(e: KubeObject): EventsV1Event {
  return rename(e, 'events.k8s.io/v1', TO_V1);
}

/** An events.k8s.io/v1 Event as core/v1 stores it (`involvedObject` is required there). */
export function eventsV1ToEvent(e: KubeObject): Event {
  const out = rename(e, 'v1', RENAMED) as Event;
  out.involvedObject ??= {};
  return out;
}

const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});

/**
 * Kubernetes' `ValidateEventCreate` for the events.k8s.io API: what the new API requires of an
 * event (core/v1 writers keep the legacy rules).
 */
function validateEventsV1(e: EventsV1Event): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!e.eventTime) causes.push(required('eventTime'));
  if (!e.reportingController) causes.push(required('reportingController'));
  if (!e.reportingInstance) causes.push(required('reportingInstance'));
  if (!e.action) causes.push(required('action'));
  if (!e.reason) causes.push(required('reason'));
  if (e.type !== 'Normal' && e.type !== 'Warning') {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'type',
      message: `Unsupported value: "${e.type ?? ''}": supported values: "Normal", "Warning"`,
    });
  }
  return causes;
}

/**
 * The `events` resource of events.k8s.io/v1, stored as core/v1 Events: under the same keys
 * (`/registry/events/`, events.k8s.io is a built-in group in `resourcePrefix`), so the Event TTL
 * applies too, and converted by `storageConversion` in the generic registry.
 */
export const eventsV1EventType: ResourceType<EventsV1Event> = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  // no short names: core's `ev` is the one kubectl resolves
  storageConversion: { toStorage: eventsV1ToEvent, fromStorage: eventToEventsV1 },
  validate: (e, old) => (old === undefined ? validateEventsV1(e) : []),
  fieldSelectors: {
    'regarding.kind': (e) => e.regarding?.kind,
    'regarding.name': (e) => e.regarding?.name,
    'regarding.namespace': (e) => e.regarding?.namespace,
    'regarding.uid': (e) => e.regarding?.uid,
    reason: (e) => e.reason,
    reportingController: (e) => e.reportingController,
    type: (e) => e.type,
  },
  printerColumns: [
    { name: 'Type', type: 'string', value: (e) => e.type },
    { name: 'Reason', type: 'string', value: (e) => e.reason },
    {
      name: 'Object',
      type: 'string',
      value: (e) => `${(e.regarding?.kind ?? '').toLowerCase()}/${e.regarding?.name ?? ''}`,
    },
    // kube-apiserver prints both versions with the core Event columns
    { name: 'Message', type: 'string', value: (e) => e.note },
  ],
};
