// Graceful pod deletion on a member with hollow kubelets, through the real kubectl: a DELETE marks
// a bound pod Terminating (deletionTimestamp + deletionGracePeriodSeconds, a MODIFIED event) and the
// kubelet removes it once its containers stopped (DELETED); `--grace-period=0 --force` removes it
// at once; a Deployment replaces a pod while the old one is still terminating.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../machinery/meta.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { PODS, type Pod } from '../../api/index.js';
import { memberKubectl, startHollowMember, type HollowMember } from '../support/hollow-member.js';

const run = promisify(execFile);
let env: HollowMember;
const poll = { timeout: 30_000, interval: 200 };
const NS = 'default';

const { kubectl, getJson, apply } = memberKubectl(() => env, ['--namespace', NS]);

const pods = () => env.member.client().resource<Pod>(PODS, NS);

/** A pod bound straight to `node` (no scheduler), running `sleep` until stopped. */
function podYaml(name: string, node: string, grace = 30): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: ${String(grace)}
  containers:
  - name: c
    image: busybox:1
    command: [sleep, '3600']
`;
}

const isReady = (p: Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function gone(name: string): Promise<boolean> {
  try {
    await pods().get(name);
    return false;
  } catch (err) {
    if (err instanceof NotFoundError) return true;
    throw err;
  }
}

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  env = await startHollowMember('flotilla-graceful-', {
    name: 'it-graceful',
    nodes: 1,
    clusterIndex: 117,
    kubelet: { heartbeatMs: 300, syncPeriodMs: 200 },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('graceful pod deletion (hollow nodes)', () => {
  it('marks the pod Terminating, then the kubelet removes it: watch sees MODIFIED then DELETED', async () => {
    const node = 'it-graceful-node-1';
    await apply('web', podYaml('web', node, 20));
    await expect.poll(async () => isReady(await pods().get('web')), poll).toBe(true);
    const rv = (await pods().get('web')).metadata.resourceVersion ?? '';
    const w = pods().watch({ resourceVersion: rv, fieldSelector: 'metadata.name=web' });
    const events: WatchEvent<Pod>[] = [];
    const watching = (async () => {
      for await (const ev of w) {
        events.push(ev);
        if (ev.type === 'DELETED') break;
      }
    })();
    expect(await kubectl('delete', 'pod', 'web')).toContain('pod "web" deleted');
    await watching;
    w.stop();
    const marked = events.find((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp);
    expect(marked?.object.metadata.deletionGracePeriodSeconds).toBe(20);
    // within the period: deletionTimestamp is the DELETE's time + 20s
    const left = Date.parse(marked?.object.metadata.deletionTimestamp ?? '') - Date.now();
    expect(left).toBeGreaterThan(10_000);
    expect(left).toBeLessThanOrEqual(21_000);
    // not ready before the containers stop, so endpoints drop it first
    expect(events.some((e) => e.object.metadata.deletionTimestamp && !isReady(e.object))).toBe(
      true,
    );
    expect(events.at(-1)?.type).toBe('DELETED');
    expect(events.findIndex((e) => e === marked)).toBeLessThan(events.length - 1);
  });

  it('shows a pod no kubelet runs as Terminating until `--grace-period=0 --force` removes it', async () => {
    // bound to a node that has no kubelet: nobody finishes its graceful deletion
    await apply('stuck', podYaml('stuck', 'no-such-node'));
    expect(await kubectl('delete', 'pod', 'stuck', '--wait=false')).toContain('deleted');
    const p = await pods().get('stuck');
    expect(p.metadata.deletionTimestamp).toBeDefined();
    expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(await kubectl('get', 'pod', 'stuck')).toMatch(/stuck\s+0\/1\s+Terminating/);
    // a later DELETE may only shorten the period
    await pods().delete('stuck', { gracePeriodSeconds: 60 });
    expect((await pods().get('stuck')).metadata.deletionGracePeriodSeconds).toBe(30);
    await pods().delete('stuck', { gracePeriodSeconds: 10 });
    const shorter = await pods().get('stuck');
    expect(shorter.metadata.deletionGracePeriodSeconds).toBe(10);
    expect(Date.parse(shorter.metadata.deletionTimestamp ?? '')).toBe(
      Date.parse(p.metadata.deletionTimestamp ?? '') - 20_000,
    );
    const out = await kubectl('delete', 'pod', 'stuck', '--grace-period=0', '--force');
    expect(out).toContain('deleted');
    expect(await gone('stuck')).toBe(true);
  });

  it('removes an unscheduled pod at once', async () => {
    await pods().create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'unbound' },
      spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox:1' }] },
    });
    expect(await pods().delete('unbound')).toBeUndefined();
    expect(await gone('unbound')).toBe(true);
  });

  it("creates a Deployment's replacement pod while the old one is still terminating", async () => {
    await apply(
      'api',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: c, image: 'busybox:1', command: [sleep, '3600']}
`,
    );
    const list = async (): Promise<Pod[]> =>
      (await getJson<{ items: Pod[] }>('pods', '-l', 'app=api')).items;
    await expect.poll(async () => (await list()).filter(isReady).length, poll).toBe(1);
    const [old] = await list();
    const name = old?.metadata.name ?? '';
    // a finalizer keeps the old pod Terminating after its kubelet is done with it
    await pods().patch(name, { metadata: { finalizers: ['example.com/hold'] } }, 'merge');
    await kubectl('delete', 'pod', name, '--wait=false');
    await expect
      .poll(async () => {
        const all = await list();
        const terminating = all.find((p) => p.metadata.name === name);
        const fresh = all.filter((p) => p.metadata.name !== name && isReady(p));
        return terminating?.metadata.deletionTimestamp !== undefined && fresh.length === 1;
      }, poll)
      .toBe(true);
    expect(await kubectl('get', 'pod', name)).toMatch(/Terminating/);
    await pods().patch(name, { metadata: { finalizers: null } }, 'merge');
    await expect.poll(() => gone(name), poll).toBe(true);
    await kubectl('delete', 'deployment', 'api');
  });
});
