// batch/v1 Job and CronJob, apps/v1 StatefulSet and DaemonSet on a real member (API server on
// etcd, controllers, scheduler, three hollow kubelets), driven through the real kubectl. Hollow
// containers exit as their command says (`sh -c "sleep 0.2; exit 0"`), which lets Jobs complete.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CronJob, DaemonSet, Job, Pod, StatefulSet } from '../../api/index.js';
import type { MemberCluster } from '../../member/cluster/member-cluster.js';
import { memberKubectl, startHollowMember, type HollowMember } from '../support/hollow-member.js';

const run = promisify(execFile);
let env: HollowMember;
let member: MemberCluster;
const poll = { timeout: 60_000, interval: 250 };

const { kubectl, getJson, apply } = memberKubectl(() => env, ['--namespace', 'default']);

const podsOf = async (selector: string): Promise<Pod[]> =>
  (await getJson<{ items: Pod[] }>('pods', '-l', selector)).items;

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  env = await startHollowMember('flotilla-workloads-', {
    name: 'it-workloads',
    nodes: 3,
    clusterIndex: 78,
    kubelet: { heartbeatMs: 300, syncPeriodMs: 200 },
  });
  ({ member } = env);
});

afterAll(async () => {
  await env?.stop();
});

describe('member workloads through kubectl (hollow nodes)', () => {
  it('runs a Job with completions 6 and parallelism 2 to Complete', async () => {
    expect(
      await apply(
        'job',
        `apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 6
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: busybox:1.36, command: [sh, -c, "sleep 0.2; exit 0"]}]
`,
      ),
    ).toContain('job.batch/pi created');
    let maxActive = 0;
    await expect
      .poll(async () => {
        const j = await getJson<Job>('job', 'pi');
        maxActive = Math.max(maxActive, j.status?.active ?? 0);
        return [
          j.status?.succeeded,
          j.status?.conditions?.find((c) => c.type === 'Complete')?.status,
        ];
      }, poll)
      .toEqual([6, 'True']);
    expect(maxActive).toBeLessThanOrEqual(2);
    const pods = await podsOf('batch.kubernetes.io/job-name=pi');
    expect(pods.map((p) => p.status?.phase)).toEqual(Array(6).fill('Succeeded'));
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'Job')).toBe(true);
    expect(await kubectl('get', 'jobs')).toMatch(/pi\s+Complete\s+6\/6/);
  });

  it('creates a Job from a CronJob whose start time is due', async () => {
    await apply(
      'cronjob',
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: tick, image: busybox:1.36, command: [sh, -c, "exit 0"]}]
`,
    );
    // a start missed while "down": the controller runs the most recent one at once
    const missed = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await kubectl(
      'patch',
      'cronjob',
      'tick',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { lastScheduleTime: missed } }),
    );
    await expect
      .poll(async () => {
        const cj = await getJson<CronJob>('cronjob', 'tick');
        return (
          (cj.status?.lastSuccessfulTime ?? '') > missed && cj.status?.lastScheduleTime !== missed
        );
      }, poll)
      .toBe(true);
    const jobs = (await getJson<{ items: Job[] }>('jobs')).items.filter(
      (j) => j.metadata.ownerReferences?.[0]?.name === 'tick',
    );
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs[0]?.metadata.name).toMatch(/^tick-\d+$/);
  });

  it('creates StatefulSet pods web-0, web-1, web-2 in order with stable DNS identity', async () => {
    await apply(
      'statefulset',
      `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: busybox:1.36, ports: [{containerPort: 80}]}]
`,
    );
    const seen: string[][] = [];
    await expect
      .poll(
        async () => {
          const names = (await podsOf('app=web')).map((p) => p.metadata.name ?? '').sort();
          seen.push(names);
          const s = await getJson<StatefulSet>('statefulset', 'web');
          return s.status?.readyReplicas;
        },
        { ...poll, interval: 50 },
      )
      .toBe(3);
    // every observation is a prefix web-0..web-k: no pod before the lower ordinals
    for (const names of seen) {
      expect(names).toEqual(names.map((_, i) => `web-${String(i)}`));
    }
    const pods = (await podsOf('app=web')).sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
    expect(pods.map((p) => [p.metadata.name, p.spec.hostname, p.spec.subdomain])).toEqual([
      ['web-0', 'web-0', 'web'],
      ['web-1', 'web-1', 'web'],
      ['web-2', 'web-2', 'web'],
    ]);
    for (let i = 1; i < pods.length; i++) {
      const prevReady = pods[i - 1]?.status?.conditions?.find((c) => c.type === 'Ready');
      expect(pods[i]?.metadata.creationTimestamp ?? '').toBeTruthy();
      expect(
        (pods[i]?.metadata.creationTimestamp ?? '') >= (prevReady?.lastTransitionTime ?? '~'),
      ).toBe(true);
    }
    const s = await getJson<StatefulSet>('statefulset', 'web');
    expect(s.status?.currentRevision).toBe(s.status?.updateRevision);
    expect(await kubectl('get', 'controllerrevisions', '-o', 'name')).toContain(
      `controllerrevision.apps/${s.status?.updateRevision ?? ''}`,
    );
    // the scale subresource; OrderedReady removes the highest ordinal first
    expect(await kubectl('scale', 'statefulset', 'web', '--replicas=1')).toContain('scaled');
    const down: string[][] = [];
    await expect
      .poll(
        async () => {
          const names = (await podsOf('app=web'))
            .filter((p) => !p.metadata.deletionTimestamp)
            .map((p) => p.metadata.name ?? '')
            .sort();
          down.push(names);
          return names;
        },
        { ...poll, interval: 50 },
      )
      .toEqual(['web-0']);
    for (const names of down) expect(names).toEqual(names.map((_, i) => `web-${String(i)}`));
  });

  it('runs one DaemonSet pod per node and skips a node tainted NoSchedule', async () => {
    const tainted = member.nodeNames[2] ?? '';
    await kubectl('taint', 'nodes', tainted, 'dedicated=db:NoSchedule');
    await apply(
      'daemonset',
      `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox:1.36}]
`,
    );
    await expect
      .poll(async () => {
        const d = await getJson<DaemonSet>('daemonset', 'agent');
        return [d.status?.desiredNumberScheduled, d.status?.numberReady];
      }, poll)
      .toEqual([2, 2]);
    const nodes = (await podsOf('app=agent')).map((p) => p.spec.nodeName).sort();
    expect(nodes).toEqual(member.nodeNames.slice(0, 2).sort());
    // removing the taint lets the daemon run on the third node as well
    await kubectl('taint', 'nodes', tainted, 'dedicated=db:NoSchedule-');
    await expect
      .poll(async () => (await podsOf('app=agent')).map((p) => p.spec.nodeName).sort(), poll)
      .toEqual([...member.nodeNames].sort());
  });
});
