/** Member scheduler: filter/score framework, default plugins, binding handler. */
export { Scheduler, type SchedulerOptions } from './scheduler.js';
export { bindingHandler } from './binding.js';
export {
  MIN_FEASIBLE_NODES_TO_FIND,
  numFeasibleNodesToFind,
  scheduleOne,
  unschedulableMessage,
  type ScheduleResult,
  type ScheduleWindow,
} from './schedule-one.js';
export { SchedulerCache } from './cache.js';
export * from './framework.js';
export { defaultFilters, defaultScores } from './registry.js';
