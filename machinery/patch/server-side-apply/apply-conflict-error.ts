/** The 409 of a server-side apply that would change fields other managers own. */
import { ConflictError } from '../../errors/index.js';
import { pathString, type FieldPath } from './field-set.js';
import { describeManager, type ManagerEntry } from './managed-fields.js';

/** One field an apply would take from another manager. */
export interface FieldConflict {
  manager: ManagerEntry;
  path: FieldPath;
}

/** Kubernetes' message: one conflict inline, several grouped by manager (sorted). */
function conflictMessage(conflicts: readonly FieldConflict[]): string {
  const [only] = conflicts;
  if (conflicts.length === 1 && only) {
    return `Apply failed with 1 conflict: conflict with ${describeManager(only.manager)}: ${pathString(only.path)}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const who = describeManager(c.manager);
    byManager.set(who, [...(byManager.get(who) ?? []), pathString(c.path)]);
  }
  const lines: string[] = [];
  for (const who of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${who}:`);
    for (const p of byManager.get(who) ?? []) lines.push(`- ${p}`);
  }
  return `Apply failed with ${String(conflicts.length)} conflicts: ${lines.join('\n')}`;
}

/**
 * Thrown by a server-side apply without `force` that adds or changes fields other managers own:
 * HTTP 409, reason Conflict, one `FieldManagerConflict` cause per field (kubectl lists them and
 * suggests `--force-conflicts`). Not retryable: the applier must force or drop the fields.
 */
export class ApplyConflictError extends ConflictError {
  /** The conflicting fields and their managers. */
  readonly conflicts: readonly FieldConflict[];

  constructor(conflicts: readonly FieldConflict[]) {
    super(conflictMessage(conflicts), {
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${describeManager(c.manager)}`,
        field: pathString(c.path),
      })),
    });
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
  }
}
