/**
 * kube-controller-manager's `--leader-elect*` flags, shared by the controller manager binaries:
 * the options fragment, its defaults, its `parseArgs` flags, and client-go's checks of the
 * timings (as NewLeaderElector makes them) reported as flag problems.
 */
import { parseBool, parseDuration, type OptionProblem } from '../cmd/flags.js';
import { JITTER_FACTOR } from './options.js';

/** The leader election flags of a controller manager (in ms where the flag is a duration). */
export interface LeaderElectionFlags {
  /** `--leader-elect`: run the controllers only while holding the Lease. @defaultValue true */
  leaderElect: boolean;
  /** `--leader-elect-lease-duration` (whole seconds: the Lease stores seconds). @defaultValue 15s */
  leaseDurationMs: number;
  /** `--leader-elect-renew-deadline`. @defaultValue 10s */
  renewDeadlineMs: number;
  /** `--leader-elect-retry-period`. @defaultValue 2s */
  retryPeriodMs: number;
  /** `--leader-elect-resource-name`: the Lease's name (each binary has its own default). */
  leaseName: string;
  /** `--leader-elect-resource-namespace`. @defaultValue kube-system */
  leaseNamespace: string;
}

/** kube-controller-manager's defaults, with the binary's own Lease name. */
export function leaderElectionDefaults(leaseName: string): LeaderElectionFlags {
  return {
    leaderElect: true,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    leaseName,
    leaseNamespace: 'kube-system',
  };
}

const s = { type: 'string' } as const;

/**
 * The flags for node's `parseArgs`, every value a string: pass argv through
 * `withBooleanValues(argv, ['leader-elect', …])` so that a bare `--leader-elect` parses.
 */
export const leaderElectionFlags = {
  'leader-elect': s,
  'leader-elect-lease-duration': s,
  'leader-elect-renew-deadline': s,
  'leader-elect-retry-period': s,
  'leader-elect-resource-name': s,
  'leader-elect-resource-namespace': s,
} as const;

/** Each field, undefined where its flag is unset (the binary's defaults fill it). */
export type ParsedLeaderElectionFlags = {
  [K in keyof LeaderElectionFlags]: LeaderElectionFlags[K] | undefined;
};

/** The fields of parsed flag values. @throws TypeError when `--leader-elect` is not a boolean */
export function leaderElectionOptionsOf(
  v: Partial<Record<keyof typeof leaderElectionFlags, string>>,
): ParsedLeaderElectionFlags {
  return {
    leaderElect: parseBool('leader-elect', v['leader-elect']),
    leaseDurationMs: parseDuration(v['leader-elect-lease-duration']),
    renewDeadlineMs: parseDuration(v['leader-elect-renew-deadline']),
    retryPeriodMs: parseDuration(v['leader-elect-retry-period']),
    leaseName: v['leader-elect-resource-name'],
    leaseNamespace: v['leader-elect-resource-namespace'],
  };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Every problem of the flags at once: positive durations, whole seconds of lease duration, and
 * client-go's lease duration > renew deadline > {@link JITTER_FACTOR} × retry period.
 */
export function validateLeaderElectionFlags(o: LeaderElectionFlags): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  const duration = (flag: string, ms: number): boolean => {
    if (Number.isFinite(ms) && ms > 0) return true;
    bad(flag, 'must be a positive duration, e.g. 15s');
    return false;
  };
  const lease = duration('--leader-elect-lease-duration', o.leaseDurationMs);
  const renew = duration('--leader-elect-renew-deadline', o.renewDeadlineMs);
  const retry = duration('--leader-elect-retry-period', o.retryPeriodMs);
  if (lease && o.leaseDurationMs % 1000 !== 0) {
    bad('--leader-elect-lease-duration', 'must be whole seconds (the Lease stores seconds)');
  }
  if (lease && renew && o.renewDeadlineMs >= o.leaseDurationMs) {
    bad('--leader-elect-renew-deadline', 'must be shorter than --leader-elect-lease-duration');
  }
  if (renew && retry && !(o.renewDeadlineMs > JITTER_FACTOR * o.retryPeriodMs)) {
    bad(
      '--leader-elect-renew-deadline',
      `must be greater than ${String(JITTER_FACTOR)} × --leader-elect-retry-period`,
    );
  }
  if (o.leaseName === '' || !DNS1123_SUBDOMAIN.test(o.leaseName)) {
    bad('--leader-elect-resource-name', `"${o.leaseName}" is not an object name`);
  }
  if (!DNS1123_LABEL.test(o.leaseNamespace)) {
    bad('--leader-elect-resource-namespace', `"${o.leaseNamespace}" is not a namespace name`);
  }
  return out;
}
