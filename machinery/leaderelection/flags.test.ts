import { describe, expect, it } from 'vitest';
import {
  leaderElectionDefaults,
  leaderElectionOptionsOf,
  validateLeaderElectionFlags,
} from './flags.js';

const flags = (o: Parameters<typeof validateLeaderElectionFlags>[0]): string[] =>
  validateLeaderElectionFlags(o).map((p) => p.flag);

describe('--leader-elect* flags', () => {
  it("defaults to kube-controller-manager's timings, with the binary's Lease name", () => {
    const d = leaderElectionDefaults('my-lease');
    expect(d).toEqual({
      leaderElect: true,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      leaseName: 'my-lease',
      leaseNamespace: 'kube-system',
    });
    expect(validateLeaderElectionFlags(d)).toEqual([]);
  });

  it('parses Go durations and kube booleans, leaving unset flags undefined', () => {
    expect(
      leaderElectionOptionsOf({
        'leader-elect': 'false',
        'leader-elect-lease-duration': '4s',
        'leader-elect-retry-period': '500ms',
      }),
    ).toEqual({
      leaderElect: false,
      leaseDurationMs: 4000,
      renewDeadlineMs: undefined,
      retryPeriodMs: 500,
      leaseName: undefined,
      leaseNamespace: undefined,
    });
    expect(() => leaderElectionOptionsOf({ 'leader-elect': 'maybe' })).toThrow(TypeError);
  });

  it("applies client-go's checks: whole seconds, lease > renew > 1.2 × retry", () => {
    const d = leaderElectionDefaults('l');
    expect(
      flags({ ...d, leaseDurationMs: 2500, renewDeadlineMs: 2000, retryPeriodMs: 2000 }),
    ).toEqual(['--leader-elect-lease-duration', '--leader-elect-renew-deadline']);
    expect(flags({ ...d, leaseDurationMs: 5000, renewDeadlineMs: 6000 })).toEqual([
      '--leader-elect-renew-deadline',
    ]);
    expect(
      flags({ ...d, retryPeriodMs: Number.NaN, leaseName: '', leaseNamespace: 'a.b' }),
    ).toEqual([
      '--leader-elect-retry-period',
      '--leader-elect-resource-name',
      '--leader-elect-resource-namespace',
    ]);
  });
});
