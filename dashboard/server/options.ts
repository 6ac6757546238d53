/** Options of the dashboard's server side ({@link Dashboard}). */
import type { ObjectStorage } from '../../machinery/storage/object-storage.js';

/** Options for the dashboard (see `Dashboard`). */
export interface DashboardOptions {
  /**
   * Where login codes and sessions live: the federation's etcd storage, shared by every API
   * server replica, so a code works once whichever replica it reaches.
   */
  storage: ObjectStorage;
  /** Folder of the browser files served at /dashboard/. @defaultValue the repository's `dashboard/web` */
  webRoot?: string;
  /** Lifetime of a session (the bearer token a login returns). @defaultValue 8 h */
  sessionTtlMs?: number;
  /** Lifetime of a login code when the request names none. @defaultValue 10 min */
  codeTtlMs?: number;
  /** Longest lifetime a login code may ask for. @defaultValue 1 h */
  maxCodeTtlMs?: number;
  /** Clock (ms since the epoch). @defaultValue Date.now */
  now?: () => number;
}

/** The defaults of {@link DashboardOptions}. */
export const dashboardDefaults = {
  sessionTtlMs: 8 * 60 * 60 * 1000,
  codeTtlMs: 10 * 60 * 1000,
  maxCodeTtlMs: 60 * 60 * 1000,
} as const;

/** {@link DashboardOptions} with every default applied (webRoot stays optional: resolved lazily). */
export type ResolvedDashboardOptions = Required<Omit<DashboardOptions, 'webRoot'>> &
  Pick<DashboardOptions, 'webRoot'>;

/** Applies the defaults. */
export function resolveDashboardOptions(opts: DashboardOptions): ResolvedDashboardOptions {
  return {
    ...dashboardDefaults,
    now: Date.now,
    ...opts,
  };
}

/** Every problem of the options at once (empty when valid). */
export function validateDashboardOptions(o: ResolvedDashboardOptions): string[] {
  const problems: string[] = [];
  for (const k of ['sessionTtlMs', 'codeTtlMs', 'maxCodeTtlMs'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 1000) problems.push(`${k} must be at least 1000 ms`);
  }
  if (o.codeTtlMs > o.maxCodeTtlMs) problems.push('codeTtlMs must not exceed maxCodeTtlMs');
  return problems;
}
