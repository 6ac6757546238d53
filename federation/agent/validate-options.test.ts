import { describe, expect, it } from 'vitest';
import { parseDuration, resolveOptions } from './options.js';
import { parseAgentArgs } from './run-agent.js';
import { validateOptions } from './validate-options.js';

describe('flotilla-agent options', () => {
  it('reports every problem at once', () => {
    const problems = validateOptions(
      resolveOptions({ clusterName: 'Bad_Name', heartbeatPeriodMs: 50, leaseDurationMs: 1500 }),
    );
    expect(problems.map((p) => p.flag)).toEqual([
      '--kubeconfig',
      '--member-kubeconfig',
      '--cluster-name',
      '--heartbeat-period',
      '--lease-duration',
    ]);
  });

  it('accepts a complete set and fills defaults', () => {
    const o = resolveOptions({ kubeconfig: 'a', memberKubeconfig: 'b', clusterName: 'c1' });
    expect(o).toMatchObject({ heartbeatPeriodMs: 10_000, leaseDurationMs: 40_000 });
    expect(validateOptions(o)).toEqual([]);
  });

  it('wants the heartbeat window longer than the renewal period', () => {
    const o = resolveOptions({
      kubeconfig: 'a',
      memberKubeconfig: 'b',
      clusterName: 'c1',
      heartbeatPeriodMs: 5000,
      leaseDurationMs: 5000,
    });
    expect(validateOptions(o)).toEqual([
      { flag: '--lease-duration', message: 'must be longer than --heartbeat-period' },
    ]);
  });

  it('takes --metrics-bind-address on loopback only', () => {
    const base = { kubeconfig: 'a', memberKubeconfig: 'b', clusterName: 'c1' };
    expect(parseAgentArgs(['--metrics-bind-address', '127.0.0.1:0'])).toEqual({
      metricsBindAddress: '127.0.0.1:0',
    });
    expect(validateOptions(resolveOptions({ ...base, metricsBindAddress: '127.0.0.1:0' }))).toEqual(
      [],
    );
    expect(
      validateOptions(resolveOptions({ ...base, metricsBindAddress: '0.0.0.0:9000' })).map(
        (p) => p.flag,
      ),
    ).toEqual(['--metrics-bind-address']);
    expect(
      validateOptions(resolveOptions({ ...base, metricsBindAddress: 'nine' }))[0]?.message,
    ).toMatch(/not IP:PORT/);
  });

  it('parses durations and flags', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('7')).toBe(7000);
    expect(parseDuration('soon')).toBeNaN();
    expect(
      parseAgentArgs(['--cluster-name', 'c1', '--heartbeat-period', '2s', '--verbose']),
    ).toEqual({ clusterName: 'c1', heartbeatPeriodMs: 2000, verbose: true });
    expect(() => parseAgentArgs(['--bogus'])).toThrow();
  });
});
