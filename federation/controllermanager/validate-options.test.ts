import { describe, expect, it } from 'vitest';
import { parseControllerManagerArgs } from '../cmd/run-federation-controller-manager.js';
import { parseDuration } from '../../machinery/cmd/flags.js';
import { resolveOptions } from './options.js';
import { metricsAddress, validateOptions } from './validate-options.js';

const parse = (...argv: string[]) => resolveOptions(parseControllerManagerArgs(argv));

describe('federation controller manager options', () => {
  it('takes a loopback --clusterset-ip-range and refuses any other', () => {
    const o = parse('--kubeconfig', 'k', '--clusterset-ip-range', '127.20.1.0/24');
    expect(o.clustersetIpRange).toBe('127.20.1.0/24');
    expect(validateOptions(o)).toEqual([]);
    expect(parse('--kubeconfig', 'k').clustersetIpRange).toBe('127.64.0.0/24');
    expect(
      validateOptions(parse('--kubeconfig', 'k', '--clusterset-ip-range', '10.96.0.0/16')),
    ).toEqual([
      { flag: '--clusterset-ip-range', message: '10.96.0.0/16 must be inside 127.0.0.0/8' },
    ]);
    expect(
      validateOptions(parse('--kubeconfig', 'k', '--clusterset-ip-range', 'nope')).map(
        (p) => p.flag,
      ),
    ).toEqual(['--clusterset-ip-range']);
  });

  it('defaults to leader election with kube-controller-manager timings', () => {
    const o = parse('--kubeconfig', 'cm.kubeconfig');
    expect(validateOptions(o)).toEqual([]);
    expect(o).toMatchObject({
      leaderElect: true,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      leaseName: 'flotilla-controller-manager',
      leaseNamespace: 'kube-system',
      controllers: '*',
      metricsBindAddress: '0',
    });
  });

  it('parses durations, booleans and health flags', () => {
    const o = parse(
      '--kubeconfig=k',
      '--leader-elect=false',
      '--leader-elect-lease-duration=4s',
      '--leader-elect-renew-deadline',
      '3s',
      '--leader-elect-retry-period',
      '500ms',
      '--cluster-probe-period',
      '1m30s',
      '--cluster-failure-threshold',
      '5',
      '--metrics-bind-address',
      '127.0.0.2:0',
      '--controllers',
      '*,-garbage-collector',
    );
    expect(validateOptions(o)).toEqual([]);
    expect(o).toMatchObject({
      leaderElect: false,
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 500,
      clusterProbePeriodMs: 90_000,
      clusterFailureThreshold: 5,
    });
  });

  it('reports every problem at once', () => {
    const o = parse(
      '--controllers',
      'foo',
      '--leader-elect-lease-duration',
      '2500ms',
      '--leader-elect-renew-deadline',
      '2s',
      '--leader-elect-retry-period',
      '2s',
      '--cluster-probe-period',
      'soon',
      '--concurrent-propagation-syncs',
      '0',
      '--metrics-bind-address',
      '0.0.0.0:9090',
    );
    expect(validateOptions(o).map((p) => p.flag)).toEqual([
      '--kubeconfig',
      '--controllers',
      '--leader-elect-lease-duration',
      '--leader-elect-renew-deadline',
      '--cluster-probe-period',
      '--concurrent-propagation-syncs',
      '--metrics-bind-address',
    ]);
  });

  it('reads Go-style durations and metrics addresses', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('2')).toBe(2000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('5x')).toBeNaN();
    expect(parseDuration('s')).toBeNaN();
    expect(metricsAddress('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(metricsAddress('127.0.0.5:10257')).toEqual({ host: '127.0.0.5', port: 10257 });
    expect(metricsAddress(':x')).toBeUndefined();
  });
});
