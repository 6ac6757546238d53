import { describe, expect, it } from 'vitest';
import {
  clampReplicas,
  MetricUnavailableError,
  pruneHistory,
  stabilize,
  utilizationReplicas,
  type PodSample,
} from './replica-calculator.js';

/** Ready pods requesting 100m each, using `usage` millicores. */
const pods = (...usage: (number | undefined)[]): PodSample[] =>
  usage.map((u, i) => ({ name: `p${String(i)}`, ready: true, requestMilli: 100, usageMilli: u }));

describe('utilizationReplicas', () => {
  it('scales by ceil(current × usage / target)', () => {
    // 3 pods at 90 % of requests, target 50 %: ratio 1.8 → ceil(5.4) = 6
    expect(utilizationReplicas(3, pods(90, 90, 90), 50)).toEqual({ replicas: 6, utilization: 90 });
    // 4 pods at 20 %, target 80 %: ratio 0.25 → 1
    expect(utilizationReplicas(4, pods(20, 20, 20, 20), 80).replicas).toBe(1);
  });

  it('keeps the current count within the 10 % tolerance', () => {
    expect(utilizationReplicas(2, pods(54, 54), 50).replicas).toBe(2); // ratio 1.08
    expect(utilizationReplicas(2, pods(56, 56), 50).replicas).toBe(3); // ratio 1.12
    expect(utilizationReplicas(2, pods(46, 46), 50).replicas).toBe(2); // ratio 0.92
  });

  it('damps a scale-up with unready pods counted idle and pods without metrics', () => {
    const unready: PodSample = { name: 'u', ready: false, requestMilli: 100, usageMilli: 300 };
    // measured ratio 2 (100 % vs 50 %); with the unready pod at 0: 200/300 → 1.33 → ceil(4) = 4
    expect(utilizationReplicas(3, [...pods(100, 100), unready], 50).replicas).toBe(4);
    // going down, a pod without metrics counts as at target: (10+10+50)/300 = 0.23 / 0.5 → 2
    expect(utilizationReplicas(3, pods(10, 10, undefined), 50).replicas).toBe(2);
    // going up, a pod without metrics counts as idle: 200/300 % / 50 → 1.33 → 4
    expect(utilizationReplicas(3, pods(100, 100, undefined), 50).replicas).toBe(4);
  });

  it('refuses when no ready pod has metrics or a pod has no request', () => {
    expect(() => utilizationReplicas(2, pods(undefined, undefined), 50)).toThrow(
      MetricUnavailableError,
    );
    const noRequest: PodSample = { name: 'n', ready: true, requestMilli: undefined, usageMilli: 5 };
    expect(() => utilizationReplicas(1, [noRequest], 50)).toThrow(/missing request for cpu/);
  });
});

describe('stabilize', () => {
  const windows = { upSeconds: 0, downSeconds: 300 };
  const now = 1_000_000;

  it('holds a scale-down at the highest recommendation of the window', () => {
    const history = [
      { replicas: 8, at: now - 200_000 },
      { replicas: 5, at: now - 100_000 },
    ];
    expect(stabilize(8, 2, history, now, windows)).toBe(8);
    // once the 8 leaves the 300 s window, the 5 is the ceiling
    expect(stabilize(8, 2, history, now + 150_000, windows)).toBe(5);
    expect(stabilize(8, 2, history, now + 400_000, windows)).toBe(2);
  });

  it('scales up at once with the default window of 0', () => {
    expect(stabilize(2, 6, [{ replicas: 2, at: now - 1000 }], now, windows)).toBe(6);
    // a scale-up window holds it at the lowest recent recommendation
    const up = { upSeconds: 60, downSeconds: 300 };
    expect(stabilize(2, 6, [{ replicas: 3, at: now - 1000 }], now, up)).toBe(3);
  });

  it('forgets recommendations older than the longer window', () => {
    const h = [
      { replicas: 1, at: now - 400_000 },
      { replicas: 2, at: now - 10_000 },
    ];
    expect(pruneHistory(h, now, windows)).toEqual([{ replicas: 2, at: now - 10_000 }]);
  });
});

describe('clampReplicas', () => {
  it('clamps to min and max and says which limit applied', () => {
    expect(clampReplicas(1, 3, 5)).toEqual({ replicas: 3, limited: 'TooFewReplicas' });
    expect(clampReplicas(9, 3, 5)).toEqual({ replicas: 5, limited: 'TooManyReplicas' });
    expect(clampReplicas(4, 3, 5)).toEqual({ replicas: 4, limited: undefined });
  });
});
