import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PropagationLatency } from './propagation-latency.js';

const count = (text: string, cluster: string): number =>
  Number(
    new RegExp(
      `^flotilla_propagation_latency_seconds_count\\{cluster="${cluster}"\\} (\\d+)$`,
      'm',
    ).exec(text)?.[1] ?? 0,
  );
const sum = (text: string, cluster: string): number =>
  Number(
    new RegExp(
      `^flotilla_propagation_latency_seconds_sum\\{cluster="${cluster}"\\} ([\\d.]+)$`,
      'm',
    ).exec(text)?.[1] ?? NaN,
  );

describe('PropagationLatency', () => {
  it('measures from the first event of a change to the first write per cluster', async () => {
    const registry = new Registry();
    let now = 10_000;
    const l = new PropagationLatency(registry, () => now);
    l.changed('k');
    now = 10_500;
    l.changed('k'); // an event before any cluster got it: the clock keeps running from the first
    now = 12_000;
    l.written('k', 'm1');
    now = 13_000;
    l.written('k', 'm2');
    l.written('k', 'm1'); // a drift repair of a reached cluster is not a propagation
    let text = await registry.metrics();
    expect(count(text, 'm1')).toBe(1);
    expect(sum(text, 'm1')).toBe(2);
    expect(sum(text, 'm2')).toBe(3);
    // the next change starts a new clock
    now = 20_000;
    l.changed('k');
    now = 20_250;
    l.written('k', 'm1');
    text = await registry.metrics();
    expect(count(text, 'm1')).toBe(2);
    expect(sum(text, 'm1')).toBe(2.25);
  });

  it('counts placements as federation scheduling attempts', async () => {
    const registry = new Registry();
    const l = new PropagationLatency(registry);
    expect(l.placement(() => ({ clusters: ['m1'] }))).toEqual({ clusters: ['m1'] });
    l.placement(() => ({ clusters: [] }));
    const text = await registry.metrics();
    expect(text).toMatch(
      /^scheduler_schedule_attempts_total\{result="scheduled",profile="federation-scheduler"\} 1$/m,
    );
    expect(text).toMatch(
      /^scheduler_schedule_attempts_total\{result="unschedulable",profile="federation-scheduler"\} 1$/m,
    );
  });

  it('ignores writes of unknown or deleted templates', async () => {
    const registry = new Registry();
    const l = new PropagationLatency(registry);
    l.written('nope', 'm1');
    l.changed('k');
    l.deleted('k');
    l.written('k', 'm1');
    expect(count(await registry.metrics(), 'm1')).toBe(0);
  });
});
