import { describe, expect, it } from 'vitest';
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import { cordonCommand, TAINT_UNSCHEDULABLE, uncordonCommand } from './cordon.js';
import { applyTaintChanges, parseTaintSpecs, taintCommand, validTaintKey } from './taint.js';
import { FakeApi, runFake } from './testing/fake-cli.js';

const cluster = (name: string, taints?: Cluster['spec']['taints']): Cluster => ({
  apiVersion: 'cluster.flotilla.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name },
  spec: {
    apiEndpoint: `https://127.0.0.1:1`,
    secretRef: { namespace: 'flotilla-system', name: `cluster-${name}` },
    ...(taints ? { taints } : {}),
  },
});

function fed(...clusters: Cluster[]): FakeApi {
  const api = new FakeApi();
  for (const c of clusters) api.seed(CLUSTERS, c);
  return api;
}

const taintsOf = (api: FakeApi, name: string): unknown =>
  (api.find(CLUSTERS, undefined, name) as Cluster | undefined)?.spec.taints;

describe('parseTaintSpecs', () => {
  it('parses additions and removals like kubectl taint', () => {
    expect(parseTaintSpecs(['dedicated=gpu:NoSchedule', 'example.com/maint:NoExecute'])).toEqual({
      add: [
        { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
        { key: 'example.com/maint', effect: 'NoExecute' },
      ],
      remove: [],
    });
    expect(parseTaintSpecs(['dedicated-', 'x:NoExecute-'])).toEqual({
      add: [],
      remove: [{ key: 'dedicated' }, { key: 'x', effect: 'NoExecute' }],
    });
  });

  it('rejects bad effects, keys, values and specs', () => {
    expect(() => parseTaintSpecs(['a=b:PreferNoSchedule'])).toThrow(/invalid taint effect/);
    expect(() => parseTaintSpecs(['a=b'])).toThrow(/key\[=value\]:Effect/);
    expect(() => parseTaintSpecs(['-bad=x:NoSchedule'])).toThrow(/invalid taint key/);
    expect(() => parseTaintSpecs(['a=b c:NoSchedule'])).toThrow(/invalid taint value/);
    expect(() => parseTaintSpecs(['a:Nope-'])).toThrow(/invalid taint effect/);
    expect(() => parseTaintSpecs(['a:NoSchedule', 'a=x:NoSchedule'])).toThrow(/given twice/);
    expect(validTaintKey('Example.com/x')).toBe(false);
    expect(validTaintKey(`a/${'x'.repeat(64)}`)).toBe(false);
    expect(validTaintKey('cluster.flotilla.io/unschedulable')).toBe(true);
  });
});

describe('applyTaintChanges', () => {
  const t = { key: 'k', value: 'v', effect: 'NoSchedule' as const };
  it('adds, keeps identical ones, and needs overwrite for a new value', () => {
    expect(applyTaintChanges([], [t], [], false)).toEqual([t]);
    expect(applyTaintChanges([t], [t], [], false)).toEqual([t]);
    expect(() => applyTaintChanges([t], [{ ...t, value: 'w' }], [], false)).toThrow(/--overwrite/);
    expect(applyTaintChanges([t], [{ ...t, value: 'w' }], [], true)).toEqual([
      { ...t, value: 'w' },
    ]);
  });
  it('removes by key or key and effect; a removal that matches nothing fails', () => {
    const e = { key: 'k', effect: 'NoExecute' as const };
    expect(applyTaintChanges([t, e], [], [{ key: 'k' }], false)).toEqual([]);
    expect(applyTaintChanges([t, e], [], [{ key: 'k', effect: 'NoExecute' }], false)).toEqual([t]);
    expect(() => applyTaintChanges([t], [], [{ key: 'zz' }], false)).toThrow(
      /taint "zz" not found/,
    );
  });
});

describe('flotilla cordon / uncordon', () => {
  it('adds the unschedulable taint once and removes it again', async () => {
    const api = fed(cluster('member2', [{ key: 'other', effect: 'NoExecute' }]));
    expect(await runFake(cordonCommand, ['member2'], api)).toEqual({
      code: 0,
      stdout: 'cluster/member2 cordoned\n',
      stderr: '',
    });
    expect(taintsOf(api, 'member2')).toEqual([
      { key: 'other', effect: 'NoExecute' },
      { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' },
    ]);
    // idempotent: no second write
    expect((await runFake(cordonCommand, ['member2'], api)).stdout).toBe(
      'cluster/member2 cordoned\n',
    );
    expect(api.actions.filter((a) => a.verb === 'update')).toHaveLength(1);
    expect((await runFake(uncordonCommand, ['member2'], api)).stdout).toBe(
      'cluster/member2 uncordoned\n',
    );
    expect(taintsOf(api, 'member2')).toEqual([{ key: 'other', effect: 'NoExecute' }]);
    await runFake(uncordonCommand, ['member2'], api);
    expect(api.actions.filter((a) => a.verb === 'update')).toHaveLength(2);
  });

  it('prints the cluster with -o yaml|json|name', async () => {
    const api = fed(cluster('m1'));
    const json = await runFake(cordonCommand, ['m1', '-o', 'json'], api);
    expect((JSON.parse(json.stdout) as Cluster).spec.taints).toEqual([
      { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' },
    ]);
    expect((await runFake(uncordonCommand, ['m1', '-o', 'yaml'], api)).stdout).toContain(
      'kind: Cluster\n',
    );
    expect((await runFake(cordonCommand, ['m1', '-o', 'name'], api)).stdout).toBe('cluster/m1\n');
  });

  it('exits 1 for an unknown cluster and 2 without one', async () => {
    const api = fed();
    const r = await runFake(cordonCommand, ['nope'], api);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"nope" not found/);
    expect((await runFake(cordonCommand, [], api)).code).toBe(2);
    expect((await runFake(uncordonCommand, ['a', 'b'], api)).code).toBe(2);
  });
});

describe('flotilla taint', () => {
  it('adds and removes taints', async () => {
    const api = fed(cluster('m1'));
    expect((await runFake(taintCommand, ['m1', 'gpu=true:NoSchedule'], api)).stdout).toBe(
      'cluster/m1 tainted\n',
    );
    expect(taintsOf(api, 'm1')).toEqual([{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
    expect((await runFake(taintCommand, ['m1', 'gpu-'], api)).stdout).toBe(
      'cluster/m1 untainted\n',
    );
    expect(taintsOf(api, 'm1')).toBeUndefined();
  });

  it('exits 2 on bad input and 1 on a missing taint or cluster', async () => {
    const api = fed(cluster('m1'));
    const bad = await runFake(taintCommand, ['m1', 'gpu=true:Sometimes'], api);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid taint effect "Sometimes"/);
    expect((await runFake(taintCommand, ['m1'], api)).code).toBe(2);
    const missing = await runFake(taintCommand, ['m1', 'gpu-'], api);
    expect(missing).toMatchObject({ code: 1, stderr: 'error: taint "gpu" not found\n' });
    expect((await runFake(taintCommand, ['zz', 'a:NoSchedule'], api)).code).toBe(1);
  });
});
