// The flotilla CLI against a running FederationControlPlane (controllers on) with two hollow
// MemberClusters, all over TLS with tokens: join both, wait for READY True in `get clusters`,
// apply a Deployment with a Divided PropagationPolicy, see CLUSTERS in `get` and per-cluster
// status in `describe`, then delete and watch the members empty.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { DEPLOYMENTS } from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { flotilla } from '../support/cli-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-prop-'));
const kc = join(dir, 'federation.kubeconfig');
let etcd: EtcdService;
let fed: FederationControlPlane;
const members: MemberCluster[] = [];

const cli = (...args: string[]): ReturnType<typeof flotilla> => flotilla(kc, ...args);

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
  for (const name of ['p1', 'p2']) {
    const m = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      nodes: 1,
      runtime: 'hollow',
      kubeconfigPath: join(dir, `${name}.kubeconfig`),
    });
    await m.start();
    members.push(m);
  }
});

afterAll(async () => {
  for (const m of members) await m.stop();
  await fed?.stop();
  await etcd?.stop();
});

describe('flotilla against a running federation', () => {
  it('joins members over TLS and reports them Ready', async () => {
    for (const [i, m] of members.entries()) {
      const r = await cli(
        'join',
        m.opts.name,
        '--kubeconfig-of-member',
        join(dir, `${m.opts.name}.kubeconfig`),
        '--region',
        i === 0 ? 'eu' : 'us',
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    await expect
      .poll(
        async () =>
          (await cli('get', 'clusters')).stdout
            .split('\n')
            .slice(1, 3)
            .map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(['p1 True eu', 'p2 True us']);
    expect((await cli('get', 'clusters')).stdout).toMatch(
      /p1\s+True\s+eu\s+https:\/\/127\.0\.0\.1:\d+\s+v\S+\s+\d+s/,
    );
  });

  it('applies a divided Deployment and shows placement and per-cluster status', async () => {
    const f = join(dir, 'web.yaml');
    writeFileSync(
      f,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: busybox:1.36}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement:
    clusterAffinity: {clusterNames: [p1, p2]}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - {targetCluster: {clusterNames: [p1]}, weight: 1}
          - {targetCluster: {clusterNames: [p2]}, weight: 1}
`,
    );
    const r = await cli('apply', '-f', f);
    expect(r).toMatchObject({
      code: 0,
      stdout: 'deployment/web created\npropagationpolicy/web created\n',
    });
    await expect
      .poll(async () => (await cli('get', 'deployments')).stdout, {
        timeout: 30_000,
        interval: 500,
      })
      .toMatch(/web\s+\d\/4\s+p1\(2\),p2\(2\)/);
    await expect
      .poll(async () => (await cli('describe', 'deployment', 'web')).stdout, {
        timeout: 30_000,
        interval: 500,
      })
      .toMatch(/p1\s+2\s+\S+\s+true\s+\w+[\s\S]*p2\s+2\s+\S+\s+true/);
    expect((await cli('apply', '-f', f)).stdout).toBe(
      'deployment/web unchanged\npropagationpolicy/web unchanged\n',
    );
  });

  it('deletes the template and the members follow', async () => {
    expect((await cli('delete', 'deployment', 'web')).code).toBe(0);
    await expect
      .poll(
        async () => {
          let n = 0;
          for (const m of members) {
            n += (await m.client().resource(DEPLOYMENTS, 'default').list()).items.length;
          }
          return n;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(0);
  });
});
