import type { KubeClient } from '../client/kube-client.js';
import type { Logger } from '../controller/controller.js';

/** Options of {@link runLeaderElected} (client-go's LeaderElectionConfig, Lease lock). */
export interface LeaderElectionOptions {
  /** Client of the component's own identity; it needs get/create/update on the Lease. */
  client: KubeClient;
  /** Namespace of the Lease. @defaultValue kube-system */
  namespace?: string;
  /** Lease name, e.g. `flotilla-controller-manager`. */
  name: string;
  /** holderIdentity: unique per process, e.g. `<hostname>_<uuid>`. */
  identity: string;
  /** @defaultValue 15 */
  leaseDurationSeconds?: number;
  /** @defaultValue 10000 */
  renewDeadlineMs?: number;
  /** @defaultValue 2000 */
  retryPeriodMs?: number;
  logger?: Logger;
}

/**
 * Runs `lead` only while this process holds the Lease: waits to acquire it, calls `lead` with a
 * signal that aborts when leadership is lost (renewal failed past the renew deadline) or `signal`
 * aborts; on `signal` abort releases the Lease (holderIdentity cleared) so another candidate takes
 * over at once. Resolves once `signal` aborted and `lead` returned. Placeholder: implemented in
 * the leader-election work.
 */
export function runLeaderElected(
  _opts: LeaderElectionOptions,
  _signal: AbortSignal,
  _lead: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  throw new Error('not implemented yet');
}
