import { describe, expect, it } from 'vitest';
import { applyProbeResult, type ProbeCounts } from './probes.js';

/** Feeds results through the thresholds and returns the verdict after each. */
function run(
  probe: { failureThreshold?: number; successThreshold?: number },
  results: boolean[],
  initial: boolean,
): boolean[] {
  const counts: ProbeCounts = { successes: 0, failures: 0 };
  let v = initial;
  return results.map((ok) => (v = applyProbeResult(probe, counts, ok, v)));
}

describe('applyProbeResult', () => {
  it('uses the Kubernetes defaults: 3 failures to fail, 1 success to succeed', () => {
    expect(run({}, [true, false, false, true, false, false, false, true], false)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      true,
    ]);
  });

  it('needs consecutive results: successThreshold 2, failureThreshold 2', () => {
    expect(
      run(
        { successThreshold: 2, failureThreshold: 2 },
        [true, true, false, true, false, false, true, true],
        false,
      ),
    ).toEqual([false, true, true, true, true, false, false, true]);
  });

  it('treats thresholds below 1 as 1', () => {
    expect(run({ successThreshold: 0, failureThreshold: 0 }, [false, true], true)).toEqual([
      false,
      true,
    ]);
  });
});
