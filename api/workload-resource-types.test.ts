import { describe, expect, it } from 'vitest';
import {
  cronJobType,
  daemonSetType,
  jobType,
  statefulSetType,
  type CronJob,
  type DaemonSet,
  type Job,
  type PodTemplateSpec,
  type StatefulSet,
} from './index.js';

const tmpl = (restartPolicy?: 'Always' | 'Never' | 'OnFailure'): PodTemplateSpec => ({
  metadata: { labels: { app: 'x' } },
  spec: {
    ...(restartPolicy ? { restartPolicy } : {}),
    containers: [{ name: 'c', image: 'busybox:1' }],
  },
});

const fields = (causes: { field?: string }[]): string[] => causes.map((c) => c.field ?? '').sort();

describe('batch/v1 and apps/v1 workload types', () => {
  it('defaults a Job and generates its selector from the uid', () => {
    const j: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default', uid: 'u1' },
      spec: { template: tmpl('Never') },
    };
    jobType.defaults?.(j);
    expect(j.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
    });
    expect(j.spec.template.metadata?.labels).toEqual({
      app: 'x',
      'batch.kubernetes.io/controller-uid': 'u1',
      'controller-uid': 'u1',
      'batch.kubernetes.io/job-name': 'pi',
      'job-name': 'pi',
    });
    expect(jobType.validate?.(j, undefined)).toEqual([]);
  });

  it('refuses restartPolicy Always and negative counts for Jobs', () => {
    const j: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', uid: 'u1' },
      spec: { template: tmpl(), completions: -1, activeDeadlineSeconds: 0 },
    };
    jobType.defaults?.(j);
    expect(fields(jobType.validate?.(j, undefined) ?? [])).toEqual([
      'spec.activeDeadlineSeconds',
      'spec.completions',
      'spec.template.spec.restartPolicy',
    ]);
  });

  it('validates a CronJob schedule, time zone and concurrency policy', () => {
    const cj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: {
        schedule: '61 * * * *',
        timeZone: 'Nowhere/Land',
        concurrencyPolicy: 'Sometimes',
        jobTemplate: { spec: { template: tmpl('OnFailure') } },
      },
    } as unknown as CronJob;
    cronJobType.defaults?.(cj);
    expect(fields(cronJobType.validate?.(cj, undefined) ?? [])).toEqual([
      'spec.concurrencyPolicy',
      'spec.schedule',
      'spec.timeZone',
    ]);
    cj.spec = { ...cj.spec, schedule: '*/5 * * * *', timeZone: 'Europe/Berlin' };
    delete cj.spec.concurrencyPolicy;
    cronJobType.defaults?.(cj);
    expect(cj.spec).toMatchObject({
      concurrencyPolicy: 'Allow',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      suspend: false,
    });
    expect(cronJobType.validate?.(cj, undefined)).toEqual([]);
  });

  it('defaults StatefulSets and DaemonSets like Kubernetes', () => {
    const s = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'x' } }, template: tmpl() },
    } as StatefulSet;
    statefulSetType.defaults?.(s);
    expect(s.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    });
    expect(statefulSetType.validate?.(s, undefined)).toEqual([]);
    expect(statefulSetType.subresources?.scale?.specReplicasPath).toBe('.spec.replicas');
    const d = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'x' } }, template: tmpl() },
    } as DaemonSet;
    daemonSetType.defaults?.(d);
    expect(d.spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 'lots' } };
    expect(fields(daemonSetType.validate?.(d, undefined) ?? [])).toEqual([
      'spec.updateStrategy.rollingUpdate.maxUnavailable',
    ]);
  });
});
