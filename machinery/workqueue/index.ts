/** Rate-limited de-duplicating work queue. */
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
export * from './rate-limiter.js';
export * from './metrics.js';
export * from './partitioned-queues.js';
