// Truthful federated Deployment status and federation events, with the real kubectl against a
// running FederationControlPlane (controllers on) and two hollow MemberClusters: a good Deployment
// divided over both rolls out and turns Available; one with an image the hollow runtime cannot
// pull fails `kubectl rollout status` at the federation once a member exceeds its progress
// deadline, and `kubectl get events` / `describe` there say which member failed and why; a policy
// naming a cluster that does not exist gives a ScheduleBindingFailed Warning, not "applied".
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../api/index.js';
import { RESOURCE_BINDINGS, type ResourceBinding } from '../../federation/apis/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { flotilla } from '../support/cli-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-rollout-'));
const kc = join(dir, 'federation.kubeconfig');
let etcd: EtcdService;
let fed: FederationControlPlane;
const members: MemberCluster[] = [];
const poll = { timeout: 30_000, interval: 500 };

/** The real kubectl against the federation; never throws on a non-zero exit. */
function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kc, ...args], { timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
        stdout,
        stderr,
      }),
    );
  });
}

async function apply(name: string, yaml: string): Promise<void> {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(f, yaml);
  const r = await kubectl('apply', '-f', f);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** A Deployment and a policy dividing it over `clusters` (weights 1:1). */
function deployment(name: string, image: string, clusters: string[], extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: 2
${extra}  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: "${image}"}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: ${name}, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: ${name}}]
  placement:
    clusterAffinity: {clusterNames: [${clusters.join(', ')}]}
    replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted}
`;
}

/** `reason: message` of the federation's events about one object. */
async function eventsOf(name: string): Promise<Event[]> {
  const r = await kubectl(
    'get',
    'events',
    '-n',
    'default',
    '--field-selector',
    `involvedObject.name=${name}`,
    '-o',
    'json',
  );
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { items: Event[] }).items;
}

beforeAll(async () => {
  etcd = await startEtcd();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    kubeconfigPath: kc,
    resyncMs: 1000,
    health: {
      probePeriodMs: 500,
      probeTimeoutMs: 2000,
      failureThreshold: 3,
      halfOpenAfterMs: 2000,
    },
  });
  await fed.start();
  for (const name of ['r1', 'r2']) {
    const m = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      nodes: 1,
      runtime: 'hollow',
      kubeconfigPath: join(dir, `${name}.kubeconfig`),
    });
    await m.start();
    members.push(m);
    const r = await flotilla(
      kc,
      'join',
      name,
      '--kubeconfig-of-member',
      join(dir, `${name}.kubeconfig`),
    );
    expect(r.code).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  for (const m of members) await m.stop();
  await fed?.stop();
  await etcd?.stop();
});

describe('federated Deployment status and events', () => {
  it('records ClusterReady on the Cluster when a member turns Ready', async () => {
    await expect
      .poll(
        async () =>
          (await flotilla(kc, 'get', 'clusters')).stdout
            .split('\n')
            .slice(1, 3)
            .map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
        poll,
      )
      .toEqual(['r1 True', 'r2 True']);
    await expect
      .poll(
        async () => (await eventsOf('r1')).map((e) => `${e.type ?? ''} ${e.reason ?? ''}`),
        poll,
      )
      .toContain('Normal ClusterReady');
    const ev = (await eventsOf('r1')).find((e) => e.reason === 'ClusterReady');
    expect(ev?.involvedObject).toMatchObject({ kind: 'Cluster', name: 'r1' });
  });

  it('a good Deployment divided over two members: rollout status and wait Available succeed', async () => {
    await apply('good', deployment('good', 'busybox:1.36', ['r1', 'r2']));
    const rollout = await kubectl('rollout', 'status', 'deployment/good', '--timeout', '60s');
    expect(rollout.stdout).toMatch(/successfully rolled out/);
    expect(rollout.code).toBe(0);
    const wait = await kubectl(
      'wait',
      '--for=condition=Available',
      'deployment/good',
      '--timeout',
      '60s',
    );
    expect(wait.stdout).toMatch(/condition met/);
    expect(wait.code).toBe(0);
    const d = JSON.parse((await kubectl('get', 'deployment', 'good', '-o', 'json')).stdout) as {
      metadata: { generation: number };
      status: Record<string, unknown>;
    };
    expect(d.status).toMatchObject({
      observedGeneration: d.metadata.generation,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    // status is written only when it changed: resyncs (every second here) leave it alone
    const rv = async (): Promise<string> =>
      (await kubectl('get', 'deployment', 'good', '-o', 'jsonpath={.metadata.resourceVersion}'))
        .stdout;
    const before = await rv();
    await new Promise((r) => setTimeout(r, 3000));
    expect(await rv()).toBe(before);
    const events = (await eventsOf('good')).map((e) => `${e.type ?? ''} ${e.reason ?? ''}`);
    expect(events).toEqual(
      expect.arrayContaining(['Normal ScheduleBindingSucceeded', 'Normal ApplyToClusterSucceeded']),
    );
  });

  it('a bad image fails rollout status at the federation with the member and the reason', async () => {
    await apply(
      'bad',
      deployment('bad', 'hollow-missing:1', ['r1', 'r2'], '  progressDeadlineSeconds: 5\n'),
    );
    const started = Date.now();
    const rollout = await kubectl('rollout', 'status', 'deployment/bad', '--timeout', '60s');
    expect(rollout.code).not.toBe(0);
    expect(rollout.stderr).toMatch(/deployment "bad" exceeded its progress deadline/);
    expect(Date.now() - started).toBeLessThan(45_000);
    const d = JSON.parse((await kubectl('get', 'deployment', 'bad', '-o', 'json')).stdout) as {
      status: { conditions: { type: string; status: string; reason: string; message: string }[] };
    };
    expect(d.status.conditions.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: expect.stringMatching(
        /cluster r\d: ReplicaSet "bad-\w+" has timed out progressing/,
      ) as string,
    });
    expect(d.status.conditions.find((c) => c.type === 'Available')).toMatchObject({
      status: 'False',
      message: expect.stringMatching(/r1, r2/) as string,
    });
    await expect
      .poll(
        async () =>
          (await eventsOf('bad')).map(
            (e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`,
          ),
        poll,
      )
      .toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Normal ApplyToClusterSucceeded: .*to cluster r1$/),
          expect.stringMatching(
            /^Warning ClusterRolloutFailed: cluster r1: ProgressDeadlineExceeded: .*(ImagePullBackOff|ErrImagePull)/,
          ),
        ]),
      );
    const table = await kubectl('get', 'events', '-n', 'default');
    expect(table.stdout).toMatch(/Warning\s+ClusterRolloutFailed\s+deployment\/bad\s+cluster r\d:/);
  });

  it('describe at the federation shows the events', async () => {
    const r = await kubectl('describe', 'deployment', 'bad', '-n', 'default');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Events:[\s\S]*Normal\s+ScheduleBindingSucceeded/);
    expect(r.stdout).toMatch(/Warning\s+ClusterRolloutFailed\s+.*cluster r\d:/);
    expect(r.stdout).toMatch(/Progressing\s+False\s+ProgressDeadlineExceeded/);
  });

  it('a policy naming a cluster that does not exist is a ScheduleBindingFailed Warning', async () => {
    await apply('lost', deployment('lost', 'busybox:1.36', ['nope']));
    await expect
      .poll(
        async () =>
          (await eventsOf('lost')).map(
            (e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`,
          ),
        poll,
      )
      .toContain(
        'Warning ScheduleBindingFailed: cluster(s) nope named by PropagationPolicy default/lost do not exist; placed in no cluster',
      );
    const rb = await fed
      .client()
      .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
      .get('lost-deployment');
    expect(rb.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Scheduled', 'False', 'ClusterNotFound'],
      ['FullyApplied', 'False', 'FullyAppliedFailed'],
    ]);
    expect(JSON.stringify(rb.status)).not.toMatch(/successfully applied/);
    const d = await kubectl('get', 'deployment', 'lost', '-o', 'json');
    expect(d.stdout).toMatch(/"reason": "NotScheduled"/);
    expect(d.stdout).not.toMatch(/successfully/);
    // recorded once, not per resync
    await new Promise((r) => setTimeout(r, 3000));
    const failed = (await eventsOf('lost')).filter((e) => e.reason === 'ScheduleBindingFailed');
    expect(failed.map((e) => e.count)).toEqual([1]);
  });
});
