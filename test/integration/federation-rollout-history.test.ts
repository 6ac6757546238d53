// `kubectl rollout history` and `kubectl rollout undo` against the federation API server (issue
// #12): a real FederationControlPlane on real etcd with one hollow MemberCluster, and the real
// kubectl. Two `set image` make three revisions, which history lists; undo --to-revision=1 brings
// the first image back at the federation and in the member, a plain undo the previous one; the
// member's own ReplicaSets are its controller's only (the federation's history records are never
// propagated); deleting the Deployment deletes its history at the federation.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEPLOYMENTS,
  REPLICASETS,
  REVISION_ANNOTATION,
  type Deployment,
  type ReplicaSet,
} from '../../api/index.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { startHollowFederation, type HollowFederation } from '../support/hollow-federation.js';

const MANAGED = 'federation.flotilla.io/managed-by';
const dir = mkdtempSync(join(tmpdir(), 'flotilla-rollout-history-'));
const kc = join(dir, 'federation.kubeconfig');
const poll = { timeout: 15_000, interval: 250 };
let f: HollowFederation;

/** The real kubectl against the federation; never throws on a non-zero exit. */
function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kc, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
        stdout,
        stderr,
      }),
    );
  });
}

/** The REVISION column of `kubectl rollout history deployment/web`. */
async function revisions(): Promise<string[]> {
  const r = await kubectl('rollout', 'history', 'deployment/web');
  return r.stdout
    .split('\n')
    .slice(2)
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((x) => x !== '');
}

/** The image of `web` in the member (undefined while it is not there). */
async function memberImage(): Promise<string | undefined> {
  try {
    const d = await f.member('m1').client().resource<Deployment>(DEPLOYMENTS, 'default').get('web');
    return d.spec.template.spec.containers[0]?.image;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

beforeAll(async () => {
  f = await startHollowFederation(['m1'], { join: true, federation: { kubeconfigPath: kc } });
  const file = join(dir, 'web.yaml');
  writeFileSync(
    file,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.25"}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: default}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  # selects the history records too: they must still stay at the federation
  - {apiVersion: apps/v1, kind: ReplicaSet}
  placement: {clusterAffinity: {clusterNames: [m1]}}
`,
  );
  const r = await kubectl('apply', '-f', file);
  expect(r.stderr).toBe('');
}, 60_000);

afterAll(async () => {
  await f?.stop();
});

describe('kubectl rollout history / undo at the federation', () => {
  it('lists a revision per template and undoes to revision 1 there and in the member', async () => {
    await expect.poll(revisions, poll).toEqual(['1']);
    for (const [image, want] of [
      ['nginx:1.26', ['1', '2']],
      ['nginx:1.27', ['1', '2', '3']],
    ] as const) {
      const set = await kubectl('set', 'image', 'deployment/web', `web=${image}`);
      expect(set.stdout).toContain('image updated');
      await expect.poll(revisions, poll).toEqual(want);
    }
    await expect.poll(memberImage, poll).toBe('nginx:1.27');
    const one = await kubectl('rollout', 'history', 'deployment/web', '--revision=1');
    expect(one.stdout).toMatch(/with revision #1[\s\S]*Image:\s+nginx:1\.25/);

    const undo = await kubectl('rollout', 'undo', 'deployment/web', '--to-revision=1');
    expect(undo.stderr).toBe('');
    expect(undo.stdout).toContain('deployment.apps/web rolled back');
    const image = await kubectl(
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    expect(image.stdout).toBe('nginx:1.25');
    // revision 1's record is renumbered 4, as Kubernetes does after a rollback
    await expect.poll(revisions, poll).toEqual(['2', '3', '4']);
    await expect
      .poll(
        async () =>
          (await f.api.resource<Deployment>(DEPLOYMENTS, 'default').get('web')).metadata
            .annotations?.[REVISION_ANNOTATION],
        poll,
      )
      .toBe('4');
    await expect.poll(memberImage, poll).toBe('nginx:1.25');
  });

  it('undo without --to-revision goes back to the previous revision', async () => {
    const undo = await kubectl('rollout', 'undo', 'deployment/web');
    expect(undo.stdout).toContain('deployment.apps/web rolled back');
    // previous of 4 (nginx:1.25) is 3 (nginx:1.27), which becomes 5
    await expect.poll(revisions, poll).toEqual(['2', '4', '5']);
    await expect.poll(memberImage, poll).toBe('nginx:1.27');
  });

  it('never propagates the history: the member’s ReplicaSets are its own controller’s', async () => {
    const member = f.member('m1').client();
    const d = await member.resource<Deployment>(DEPLOYMENTS, 'default').get('web');
    const { items } = await member.resource<ReplicaSet>(REPLICASETS, 'default').list();
    expect(items.length).toBeGreaterThan(0);
    for (const rs of items) {
      expect(rs.metadata.labels?.[MANAGED]).toBeUndefined();
      expect(rs.metadata.ownerReferences?.[0]?.uid).toBe(d.metadata.uid);
    }
    const fed = await f.api.resource<ReplicaSet>(REPLICASETS, 'default').list();
    expect(fed.items.map((rs) => rs.spec.replicas)).toEqual([0, 0, 0]);
  });

  it('deleting the Deployment deletes its history at the federation', async () => {
    const del = await kubectl('delete', 'deployment', 'web', '--wait=false');
    expect(del.code).toBe(0);
    await expect
      .poll(async () => (await f.api.resource(REPLICASETS, 'default').list()).items.length, poll)
      .toBe(0);
  });
});
