import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { etcdRequestType } from '../storage/etcd-storage.js';
import { noopWorkqueueMetrics } from '../workqueue/metrics.js';
import { ClusterHealthMetrics } from './cluster-health-metrics.js';
import { KubeletMetrics } from './kubelet-metrics.js';
import { registryOf } from './metric-factory.js';
import { PromotionMetrics } from './promotion-metrics.js';
import { PropagationMetrics } from './propagation-metrics.js';
import { SchedulerMetrics } from './scheduler-metrics.js';
import { PrometheusWorkqueueMetrics } from './workqueue-metrics.js';

describe('component metrics', () => {
  it('scheduler attempts count by result and profile, twice on one registry without clashing', async () => {
    const registry = new Registry();
    const a = new SchedulerMetrics(registry, 'default-scheduler');
    // a restarted scheduler in the same process reuses the series
    const b = new SchedulerMetrics(registry, 'default-scheduler');
    a.attempt('scheduled', 0.002);
    b.attempt('scheduled', 0.004);
    b.attempt('unschedulable', 0.001);
    const text = await registry.metrics();
    expect(text).toMatch(
      /^scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} 2$/m,
    );
    expect(text).toMatch(
      /^scheduler_schedule_attempts_total\{result="unschedulable",profile="default-scheduler"\} 1$/m,
    );
    expect(text).toMatch(
      /^scheduler_scheduling_attempt_duration_seconds_count\{result="scheduled",profile="default-scheduler"\} 2$/m,
    );
  });

  it('propagation latency per cluster, cluster readiness and checks', async () => {
    const registry = new Registry();
    new PropagationMetrics(registry).observe('m1', 0.3);
    const health = new ClusterHealthMetrics(registry);
    health.checked('m1', 'healthy', true);
    health.checked('m2', 'unreachable', false);
    let text = await registry.metrics();
    expect(text).toMatch(
      /^flotilla_propagation_latency_seconds_bucket\{le="0.5",cluster="m1"\} 1$/m,
    );
    expect(text).toMatch(
      /^flotilla_propagation_latency_seconds_bucket\{le="0.25",cluster="m1"\} 0$/m,
    );
    expect(text).toMatch(/^flotilla_cluster_ready\{cluster="m1"\} 1$/m);
    expect(text).toMatch(/^flotilla_cluster_ready\{cluster="m2"\} 0$/m);
    expect(text).toMatch(
      /^flotilla_cluster_health_checks_total\{cluster="m2",result="unreachable"\} 1$/m,
    );
    health.forget('m2');
    text = await registry.metrics();
    expect(text).not.toMatch(/^flotilla_cluster_ready\{cluster="m2"\}/m);
  });

  it('kubelet pod start: from first seen to running, once per pod', async () => {
    const registry = new Registry();
    let now = 1000;
    const k = new KubeletMetrics(registry, () => now);
    k.podSeen('u1');
    now = 3500;
    k.podSeen('u1'); // the first sighting counts
    k.podRunning('u1');
    now = 9000;
    k.podRunning('u1'); // observed once
    k.podRunning('never-seen');
    const text = await registry.metrics();
    expect(text).toMatch(/^kubelet_pod_start_duration_seconds_count 1$/m);
    expect(text).toMatch(/^kubelet_pod_start_duration_seconds_sum 2.5$/m);
  });

  it('promotion copies, bytes and durations', async () => {
    const registry = new Registry();
    const p = new PromotionMetrics(registry);
    p.copied('success', 1.5, 4096);
    p.copied('failure', 0.2);
    const text = await registry.metrics();
    expect(text).toMatch(/^flotilla_promotion_copies_total\{result="success"\} 1$/m);
    expect(text).toMatch(/^flotilla_promotion_copies_total\{result="failure"\} 1$/m);
    expect(text).toMatch(/^flotilla_promotion_copy_bytes_total 4096$/m);
    expect(text).toMatch(/^flotilla_promotion_copy_duration_seconds_count\{result="success"\} 1$/m);
  });

  it('finds the registry behind a workqueue provider; none for the no-op one', () => {
    const registry = new Registry();
    expect(registryOf(new PrometheusWorkqueueMetrics(registry))).toBe(registry);
    expect(registryOf(noopWorkqueueMetrics)).toBeUndefined();
    expect(registryOf(undefined)).toBeUndefined();
    // without a registry the metrics work and go nowhere
    expect(() => {
      new SchedulerMetrics(undefined, 'x').attempt('error', 1);
    }).not.toThrow();
  });

  it('names the etcd request type after the resource of the key', () => {
    expect(etcdRequestType('/registry/pods/default/web-1')).toBe('pods');
    expect(etcdRequestType('/registry/pods/')).toBe('pods');
    expect(etcdRequestType('/registry/policy.karmada.io/propagationpolicies/ns/p')).toBe(
      'propagationpolicies.policy.karmada.io',
    );
    expect(etcdRequestType('/__revision_probe__')).toBe('other');
  });
});
