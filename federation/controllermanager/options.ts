/** Options of `flotilla-federation-controller-manager` (one controller manager replica). */
import {
  leaderElectionDefaults,
  type LeaderElectionFlags,
} from '../../machinery/leaderelection/flags.js';
import { FEDERATION_CONTROLLERS } from './federation-controllers.js';

/**
 * Typed options of the controller manager binary (flags map 1:1, as kube-controller-manager's),
 * with the `--leader-elect*` flags (Lease `flotilla-controller-manager` in kube-system).
 */
export interface FederationControllerManagerOptions extends LeaderElectionFlags {
  /** `--kubeconfig`: the manager's own credentials (client certificate) and the API URL (required). */
  kubeconfig: string;
  /** `--context`: kubeconfig context. @defaultValue its current-context */
  context: string | undefined;
  /** `--controllers`, e.g. `*,-garbage-collector`. @defaultValue `*` */
  controllers: string;
  /** `--cluster-probe-period` in ms. @defaultValue 5000 */
  clusterProbePeriodMs: number;
  /** `--cluster-probe-timeout` in ms. @defaultValue 3000 */
  clusterProbeTimeoutMs: number;
  /** `--cluster-failure-threshold`: failed probes before NotReady. @defaultValue 3 */
  clusterFailureThreshold: number;
  /** `--cluster-half-open-after` in ms: an open breaker's wait before a trial probe. @defaultValue 10000 */
  clusterHalfOpenAfterMs: number;
  /** `--resync-period` in ms of each propagated template. @defaultValue 5000 */
  resyncMs: number;
  /** `--concurrent-propagation-syncs`: templates reconciled at once. @defaultValue 32 */
  propagationWorkers: number;
  /** `--cluster-sweep-period` in ms: leftover sweep of Ready members. @defaultValue 60000 */
  sweepPeriodMs: number;
  /** `--enable-promotion-gate`: propagation checks images against the promotion registries. @defaultValue false */
  enablePromotionGate: boolean;
  /** `--pki-dir`: the federation PKI folder whose CA signs pull-mode agents' certificates. */
  pkiDir: string | undefined;
  /** `--metrics-bind-address`: `[127.x.y.z:]port` of plain-HTTP /metrics; `0` = off, `HOST:0` = any port. @defaultValue 0 */
  metricsBindAddress: string;
  /** `--verbose`: log controller events. @defaultValue false */
  verbose: boolean;
  /**
   * `--clusterset-ip-range`: IPv4 CIDR inside 127.0.0.0/8 the cluster-set IPs of multi-cluster
   * services come from (every replica must be given the same). @defaultValue 127.64.0.0/24
   */
  clustersetIpRange: string;
}

/** Defaults for every optional field. */
export const defaults: Omit<FederationControllerManagerOptions, 'kubeconfig'> = {
  context: undefined,
  controllers: '*',
  ...leaderElectionDefaults('flotilla-controller-manager'),
  clusterProbePeriodMs: 5_000,
  clusterProbeTimeoutMs: 3_000,
  clusterFailureThreshold: 3,
  clusterHalfOpenAfterMs: 10_000,
  resyncMs: 5_000,
  propagationWorkers: 32,
  sweepPeriodMs: 60_000,
  enablePromotionGate: false,
  pkiDir: undefined,
  metricsBindAddress: '0',
  verbose: false,
  clustersetIpRange: '127.64.0.0/24',
};

/** Fills defaults. */
export function resolveOptions(
  partial: Partial<FederationControllerManagerOptions>,
): FederationControllerManagerOptions {
  const out: FederationControllerManagerOptions = { ...defaults, kubeconfig: '' };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Usage text. */
export const usage = `usage: flotilla-federation-controller-manager --kubeconfig FILE [flags]
  --kubeconfig FILE                      the manager's credentials and the federation API URL
  --context NAME                         kubeconfig context (default: current-context)
  --controllers SPEC                     e.g. *,-garbage-collector (known: ${FEDERATION_CONTROLLERS.join(', ')})
  --leader-elect[=true|false]            run controllers only while holding the Lease (default true)
  --leader-elect-lease-duration D        e.g. 15s (default 15s; whole seconds)
  --leader-elect-renew-deadline D        default 10s
  --leader-elect-retry-period D          default 2s
  --leader-elect-resource-name NAME      Lease name (default flotilla-controller-manager)
  --leader-elect-resource-namespace NS   Lease namespace (default kube-system)
  --cluster-probe-period D               member health probe period (default 5s)
  --cluster-probe-timeout D              member health probe timeout (default 3s)
  --cluster-failure-threshold N          failed probes before NotReady (default 3)
  --cluster-half-open-after D            open breaker's wait before a trial probe (default 10s)
  --resync-period D                      resync of each propagated template (default 5s)
  --concurrent-propagation-syncs N       templates reconciled at once (default 32)
  --cluster-sweep-period D               leftover sweep of Ready members (default 60s)
  --enable-promotion-gate                check and rewrite images against the promotion registries
  --pki-dir DIR                          federation PKI folder: its CA signs pull-mode agent certificates
  --metrics-bind-address [HOST:]PORT     plain-HTTP /metrics on loopback (default 0 = off; HOST:0 = any port)
  --clusterset-ip-range CIDR             cluster-set IPs of ServiceImports, inside 127.0.0.0/8 (default 127.64.0.0/24)
  --verbose                              log controller events
  -h, --help                             this text
durations: 500ms, 2s, 1m30s (a bare number is seconds)
`;
