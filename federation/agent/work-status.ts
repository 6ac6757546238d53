/** The status an agent writes on a Work after applying it. */
import type { Condition, KubeObject } from '../../machinery/meta.js';
import { WorkApplied, WorkAvailable, type ManifestStatus, type Work } from '../apis/index.js';
import { healthOf } from '../controllers/propagation/status-aggregation.js';
import { manifestIdentifier } from './manifest-resources.js';

/** What applying one manifest came to. */
export interface ManifestOutcome {
  manifest: KubeObject;
  /** The member object after the write (or as found), when there is one. */
  object?: KubeObject;
  /** Why it was not applied. */
  error?: string;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function condition(
  old: Condition | undefined,
  type: string,
  ok: boolean,
  reason: [string, string],
  message: string,
  generation: number | undefined,
): Condition {
  const status = ok ? 'True' : 'False';
  return {
    type,
    status,
    reason: ok ? reason[0] : reason[1],
    message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime:
      old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : now(),
  };
}

/**
 * The Work's status: `Applied` (every manifest written; observedGeneration = the Work's
 * generation, which is how the federation knows the report is about its current spec),
 * `Available` (every member object healthy) and one manifest status per applied object.
 */
export function workStatus(work: Work, outcomes: ManifestOutcome[]): NonNullable<Work['status']> {
  const gen = work.metadata.generation;
  const failed = outcomes.filter((o) => o.error !== undefined);
  const manifestStatuses: ManifestStatus[] = outcomes.flatMap((o, i) =>
    o.object && o.error === undefined
      ? [
          {
            identifier: manifestIdentifier(o.manifest, i),
            ...(o.object.status !== undefined
              ? { status: o.object.status as Record<string, unknown> }
              : {}),
            health: healthOf(o.object),
          },
        ]
      : [],
  );
  const healthy = failed.length === 0 && manifestStatuses.every((m) => m.health === 'Healthy');
  const old = (t: string): Condition | undefined =>
    work.status?.conditions?.find((c) => c.type === t);
  return {
    conditions: [
      condition(
        old(WorkApplied),
        WorkApplied,
        failed.length === 0,
        ['AppliedSuccessful', 'AppliedFailed'],
        failed.map((o) => o.error).join('; ') || 'every manifest is applied in the member',
        gen,
      ),
      condition(
        old(WorkAvailable),
        WorkAvailable,
        healthy,
        ['Available', 'NotAvailable'],
        healthy ? 'every member object is healthy' : 'some member objects are not healthy yet',
        gen,
      ),
    ],
    manifestStatuses,
  };
}

/** The status without transition times, to compare what changed. */
export function comparableStatus(s: Work['status']): string {
  return JSON.stringify(s ?? {}, (k, v: unknown) => (k === 'lastTransitionTime' ? undefined : v));
}
