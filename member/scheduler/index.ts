/** Member scheduler: filter/score framework, default plugins, binding handler. */
export { Scheduler, type SchedulerOptions } from './scheduler.js';
export { bindingHandler } from './binding.js';
export { scheduleOne, unschedulableMessage, type ScheduleResult } from './schedule-one.js';
export * from './framework.js';
export { defaultFilters, defaultScores } from './registry.js';
