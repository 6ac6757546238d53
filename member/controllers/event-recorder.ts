/**
 * The event recorder moved to `api/` so that the federation's controllers record events with the
 * same code (areas may not import each other); member code keeps importing it from here.
 */
export {
  EventRecorder,
  type EventDetails,
  type EventRecorderOptions,
} from '../../api/event-recorder.js';
