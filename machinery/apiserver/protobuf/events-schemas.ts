/**
 * events.k8s.io/v1 messages (k8s.io/api events/v1 generated.proto numbering): the Event the
 * `events` resource of that group serves over the core/v1 Event storage. Its schema gives the
 * OpenAPI definition (`kubectl explain events.events.k8s.io`) and strict field validation.
 */
import { objectReference } from './core-schemas.js';
import { kindMessage } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const E = 'io.k8s.api.events.v1.';

const eventSeries: Schema = message(
  { name: E + 'EventSeries', description: 'A series of events that kept happening.' },
  {
    1: { name: 'count', type: 'int', required: true, description: 'Occurrences so far.' },
    2: { name: 'lastObservedTime', type: 'microTime', required: true },
  },
);

const eventSource: Schema = message(
  { name: 'io.k8s.api.core.v1.EventSource' },
  {
    1: { name: 'component', type: 'string' },
    2: { name: 'host', type: 'string' },
  },
);

/** events.k8s.io kinds by `apiVersion/kind`. */
export const eventsSchemas: Record<string, Schema> = {
  'events.k8s.io/v1/Event': kindMessage(
    E + 'Event',
    'A report of an event in the cluster; the same object as a core/v1 Event.',
    {
      2: {
        name: 'eventTime',
        type: 'microTime',
        required: true,
        description: 'When this Event was first observed (MicroTime).',
      },
      3: { name: 'series', type: () => eventSeries, optional: true },
      4: {
        name: 'reportingController',
        type: 'string',
        description: 'The controller that emitted this Event, e.g. kubernetes.io/kubelet.',
      },
      5: { name: 'reportingInstance', type: 'string', description: 'The controller instance.' },
      6: { name: 'action', type: 'string', description: 'What was taken or failed.' },
      7: { name: 'reason', type: 'string', description: 'Why the action was taken.' },
      8: {
        name: 'regarding',
        type: () => objectReference,
        description: 'The object this Event is about (core/v1 involvedObject).',
      },
      9: { name: 'related', type: () => objectReference, optional: true },
      10: {
        name: 'note',
        type: 'string',
        description: 'A human-readable description (core/v1 message).',
      },
      11: { name: 'type', type: 'string', description: 'Normal or Warning.' },
      12: { name: 'deprecatedSource', type: () => eventSource },
      13: { name: 'deprecatedFirstTimestamp', type: 'time' },
      14: { name: 'deprecatedLastTimestamp', type: 'time' },
      15: { name: 'deprecatedCount', type: 'int' },
    },
  ),
};
