/**
 * Validation of a ResourceBinding's spec fields written by controllers but readable and editable
 * by users: its graceful eviction tasks (Karmada's `spec.gracefulEvictionTasks`).
 */
import type { StatusCause } from '../../machinery/meta.js';
import type { GracefulEvictionTask, ResourceBinding } from './federation-types.js';

/** Karmada's limit on a task's `reason` and `producer`. */
const MAX_WORD = 32;
/** Karmada's limit on a task's `message`. */
const MAX_MESSAGE = 1024;
const CAMEL = /^[A-Z][A-Za-z0-9]*$/;

const cause = (field: string, message: string, required = false): StatusCause => ({
  reason: required ? 'FieldValueRequired' : 'FieldValueInvalid',
  field,
  message: required ? 'Required value' : message,
});

function validateTask(t: GracefulEvictionTask, at: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (typeof t.fromCluster !== 'string' || t.fromCluster === '') {
    out.push(cause(`${at}.fromCluster`, '', true));
  }
  if (t.replicas !== undefined && (!Number.isInteger(t.replicas) || t.replicas < 0)) {
    out.push(cause(`${at}.replicas`, 'must be a non-negative integer'));
  }
  for (const f of ['reason', 'producer'] as const) {
    const v: unknown = t[f];
    if (typeof v !== 'string' || v === '') out.push(cause(`${at}.${f}`, '', true));
    else if (v.length > MAX_WORD) {
      out.push(cause(`${at}.${f}`, `must be at most ${String(MAX_WORD)} characters`));
    } else if (f === 'reason' && !CAMEL.test(v)) {
      out.push(cause(`${at}.reason`, 'must be CamelCase (letters and digits, first upper case)'));
    }
  }
  if (
    t.message !== undefined &&
    (typeof t.message !== 'string' || t.message.length > MAX_MESSAGE)
  ) {
    out.push(
      cause(`${at}.message`, `must be a string of at most ${String(MAX_MESSAGE)} characters`),
    );
  }
  const grace = t.gracePeriodSeconds;
  if (grace !== undefined && (!Number.isInteger(grace) || grace <= 0)) {
    out.push(cause(`${at}.gracePeriodSeconds`, 'must be a positive integer'));
  }
  if (typeof t.creationTimestamp !== 'string' || t.creationTimestamp === '') {
    out.push(cause(`${at}.creationTimestamp`, '', true));
  } else if (Number.isNaN(Date.parse(t.creationTimestamp))) {
    out.push(cause(`${at}.creationTimestamp`, 'must be an RFC 3339 time'));
  }
  return out;
}

/**
 * Problems of `spec.gracefulEvictionTasks` (all at once): each task's fields, and at most one task
 * per cluster.
 */
export function validateGracefulEvictionTasks(b: ResourceBinding): StatusCause[] {
  const tasks: unknown = b.spec.gracefulEvictionTasks;
  if (tasks === undefined) return [];
  if (!Array.isArray(tasks)) return [cause('spec.gracefulEvictionTasks', 'must be a list')];
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  (tasks as unknown[]).forEach((t, i) => {
    const at = `spec.gracefulEvictionTasks[${String(i)}]`;
    if (t === null || typeof t !== 'object') {
      out.push(cause(at, 'must be an object'));
      return;
    }
    const task = t as GracefulEvictionTask;
    out.push(...validateTask(task, at));
    if (seen.has(task.fromCluster)) {
      out.push(cause(`${at}.fromCluster`, `Duplicate value: "${task.fromCluster}"`));
    }
    seen.add(task.fromCluster);
  });
  return out;
}
