import { BadRequestError } from '../errors/index.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import { DryRunStorage } from '../storage/dry-run-storage.js';

/**
 * Whether a request asks for a dry run: `dryRun=All` (query, or `dryRun: ["All"]` in
 * DeleteOptions). Absent or empty means a real write.
 * @throws BadRequestError for any other value, as kube-apiserver refuses unknown dry-run modes
 * rather than silently writing.
 */
export function isDryRun(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  for (const v of values) {
    if (v !== 'All') {
      throw new BadRequestError(
        `invalid dryRun value ${JSON.stringify(v)}: the only supported value is "All"`,
      );
    }
  }
  return values.length > 0;
}

/**
 * The registry a dry-run request writes through: the same strategy (validation, defaulting,
 * admission) over a storage that stores nothing.
 */
export function dryRunRegistry(registry: GenericRegistry): GenericRegistry {
  return new GenericRegistry({
    storage: new DryRunStorage(registry.storage),
    admission: registry.admission,
  });
}

/**
 * Custom subresources (approval, eviction, binding...) have their own side effects and no dry-run
 * path, so a dry-run request to one is refused rather than performed.
 * @throws BadRequestError when the request asks for a dry run.
 */
export function refuseDryRun(value: unknown, what: string): void {
  if (isDryRun(value)) throw new BadRequestError(`dryRun is not supported on ${what}`);
}
