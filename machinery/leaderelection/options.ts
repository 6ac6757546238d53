/** Options of leader election, their defaults and their validation. */
import type { KubeClient } from '../client/kube-client.js';
import type { Logger } from '../controller/controller.js';

/** Options of `runLeaderElected` (client-go's LeaderElectionConfig, Lease lock). */
export interface LeaderElectionOptions {
  /** Client of the component's own identity; it needs get/create/update on the Lease. */
  client: KubeClient;
  /** Namespace of the Lease. @defaultValue kube-system */
  namespace?: string;
  /** Lease name, e.g. `flotilla-controller-manager`. */
  name: string;
  /** holderIdentity: unique per process, e.g. `<hostname>_<uuid>` (`leaderElectionIdentity`). */
  identity: string;
  /**
   * How long non-leaders wait, from the moment they last saw the Lease change, before they may
   * take it over (a whole number of seconds, as the Lease stores it). @defaultValue 15
   */
  leaseDurationSeconds?: number;
  /**
   * How long the leader keeps retrying a failed renewal before it gives up leadership; must be
   * less than the lease duration. @defaultValue 10000
   */
  renewDeadlineMs?: number;
  /**
   * Wait between tries to acquire (plus up to 1.2× jitter) or renew; must be less than the renew
   * deadline / 1.2. @defaultValue 2000
   */
  retryPeriodMs?: number;
  /** Where acquisitions, losses, releases and failed API calls are logged. @defaultValue silent */
  logger?: Logger;
  /**
   * Called whenever the observed holder of the Lease changes to a new (non-empty) identity, this
   * process's own included (client-go's OnNewLeader). Exceptions are logged, not propagated.
   */
  onNewLeader?: (identity: string) => void;
}

/** {@link LeaderElectionOptions} with every default applied. */
export type ResolvedLeaderElectionOptions = Required<
  Omit<LeaderElectionOptions, 'logger' | 'onNewLeader'>
> &
  Pick<LeaderElectionOptions, 'logger' | 'onNewLeader'>;

/** client-go's `JitterFactor`: acquire retries wait retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;

/** Applies the defaults of {@link LeaderElectionOptions}. */
export function resolveLeaderElectionOptions(
  opts: LeaderElectionOptions,
): ResolvedLeaderElectionOptions {
  return {
    ...opts,
    namespace: opts.namespace ?? 'kube-system',
    leaseDurationSeconds: opts.leaseDurationSeconds ?? 15,
    renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
    retryPeriodMs: opts.retryPeriodMs ?? 2_000,
  };
}

/** Every problem with resolved options at once (client-go's NewLeaderElector checks); [] when valid. */
export function validateLeaderElectionOptions(o: ResolvedLeaderElectionOptions): string[] {
  const out: string[] = [];
  if (o.name === '') out.push('name is required');
  if (o.namespace === '') out.push('namespace must not be empty');
  if (o.identity === '') out.push('identity is required');
  if (!Number.isInteger(o.leaseDurationSeconds) || o.leaseDurationSeconds < 1) {
    out.push(`leaseDurationSeconds ${String(o.leaseDurationSeconds)} must be a whole number ≥ 1`);
  }
  if (!(o.renewDeadlineMs > 0)) out.push('renewDeadlineMs must be greater than zero');
  if (!(o.retryPeriodMs > 0)) out.push('retryPeriodMs must be greater than zero');
  if (!(o.leaseDurationSeconds * 1000 > o.renewDeadlineMs)) {
    out.push('leaseDurationSeconds must be greater than renewDeadlineMs');
  }
  if (!(o.renewDeadlineMs > JITTER_FACTOR * o.retryPeriodMs)) {
    out.push(`renewDeadlineMs must be greater than ${String(JITTER_FACTOR)} × retryPeriodMs`);
  }
  return out;
}
