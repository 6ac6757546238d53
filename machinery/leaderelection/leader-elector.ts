import { LeaderElectionOptionsError, LeadershipLostError } from './errors.js';
import { LeaseElection } from './lease-election.js';
import {
  resolveLeaderElectionOptions,
  validateLeaderElectionOptions,
  type LeaderElectionOptions,
} from './options.js';

export type { LeaderElectionOptions } from './options.js';

/**
 * Runs `lead` only while this process holds the Lease `namespace/name` (client-go's
 * `LeaderElector.Run` with a Lease lock and `ReleaseOnCancel`).
 *
 * - Acquire: tries every retryPeriod (with jitter) until `signal` aborts. A Lease held by another
 *   identity counts as held until leaseDuration has passed, on the local monotonic clock, since
 *   this candidate last saw the Lease change — never by comparing renewTime with the local
 *   wall clock. Writes are compare-and-swap on resourceVersion; a Conflict means another candidate
 *   won the race.
 * - Lead: calls `lead` with a signal that aborts when `signal` aborts or when leadership is lost:
 *   renewal (every retryPeriod) did not succeed for renewDeadline (abort reason
 *   {@link LeadershipLostError}).
 * - End: renewing stops, `lead` is awaited, then the Lease is released (holderIdentity '' and
 *   leaseDurationSeconds 1) so another candidate takes over at its next try instead of after the
 *   lease expires. `lead` should return well within leaseDuration once its signal aborts: after
 *   that, another candidate may start leading.
 *
 * Resolves once `lead` returned and the Lease was released (or `signal` aborted before
 * acquiring); rejects with `lead`'s error if `lead` throws (after releasing), and with
 * {@link LeaderElectionOptionsError} for inconsistent options. If `lead` returns on its own, the
 * Lease is released too. A process never leads twice per call: when this resolves while `signal`
 * is not aborted, leadership was lost (or `lead` returned on its own) and the caller should exit
 * (non-zero) and let its restart compete again, as kube-controller-manager does — state built
 * while leading (informer caches, queues) is not trusted to be reusable.
 */
export async function runLeaderElected(
  opts: LeaderElectionOptions,
  signal: AbortSignal,
  lead: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const o = resolveLeaderElectionOptions(opts);
  const problems = validateLeaderElectionOptions(o);
  if (problems.length > 0) throw new LeaderElectionOptionsError(problems);
  const election = new LeaseElection(o);
  if (!(await election.acquire(signal))) return;
  if (signal.aborted) {
    // acquired in the same instant the caller gave up: hand the Lease straight back
    await election.release();
    return;
  }

  const leading = new AbortController();
  const stopRenew = new AbortController();
  const onAbort = (): void => {
    leading.abort(signal.reason);
    stopRenew.abort();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const led = runLead(lead, leading.signal).finally(() => {
    // nothing left to lead for: stop renewing and release
    stopRenew.abort();
  });
  try {
    const outcome = await election.renewUntil(stopRenew.signal);
    if (outcome === 'lost') {
      const lost = new LeadershipLostError(election.describe(), o.identity);
      o.logger?.error(lost.message);
      leading.abort(lost);
    }
    const result = await led;
    if (!result.ok) {
      throw result.error instanceof Error ? result.error : new Error(String(result.error));
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await election.release();
  }
}

type LeadResult = { ok: true } | { ok: false; error: unknown };

/** Runs `lead` and captures how it settled (so waiting for it never throws early). */
async function runLead(
  lead: (signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<LeadResult> {
  try {
    await lead(signal);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}
