/**
 * Federation benchmark: propagation throughput (ConfigMaps per second into 3 members) and p99
 * latency from apply at the federation to present in all members, next to raw etcd put throughput
 * (npm etcd3, the same number of objects × members) measured in the same run. An object counts
 * from just before its create request to the first ADDED event of its copy in the last of the
 * three members (member watches); the rate runs to the last such arrival.
 */
import { Etcd3 } from 'etcd3';
import type { KubeObject, WatchEvent } from '../../machinery/meta.js';
import { PROPAGATION_POLICIES } from '../../federation/apis/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { runCli } from '../../federation/cli/run-cli.js';
import { freePort } from '../../hack/lib/ports.js';
import { startEtcd } from '../../hack/lib/services.js';
import { CONFIGMAPS } from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMain, percentile, printResults, type BenchResult } from './bench-result.js';

/** Runs the federation benchmark with `count` objects into 3 hollow members. */
export async function runFederationBench(count = 300): Promise<BenchResult[]> {
  const etcd = await startEtcd();
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-fed-'));
  // reference: raw etcd puts of the same objects, one per (object, member)
  const raw = new Etcd3({ hosts: [etcd.endpoint] });
  const body = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'bench' },
    data: { k: 'v'.repeat(64) },
  });
  const r0 = performance.now();
  for (let i = 0; i < count * 3; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count * 3 - i) }, (_, j) =>
        raw
          .put(`/rawbench/${String(i + j)}`)
          .value(body)
          .exec(),
      ),
    );
  }
  const rawRate = (count * 3) / ((performance.now() - r0) / 1000);
  raw.close();

  const fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    kubeconfigPath: join(dir, 'fed'),
    resyncMs: 30_000,
    health: { probePeriodMs: 1000 },
  });
  await fed.start();
  const members: MemberCluster[] = [];
  for (let i = 1; i <= 3; i++) {
    const m = new MemberCluster({
      name: `b${String(i)}`,
      etcdEndpoint: etcd.endpoint,
      nodes: 1,
      runtime: 'hollow',
      nodeAddressPrefix: `127.0.${String(60 + i)}.`,
      port: await freePort(),
      kubeconfigPath: join(dir, `b${String(i)}`),
    });
    await m.start();
    members.push(m);
    await runCli(
      [
        '--kubeconfig',
        join(dir, 'fed'),
        'join',
        m.opts.name,
        '--member-kubeconfig',
        join(dir, m.opts.name),
      ],
      { stdout: () => undefined, stderr: (s) => process.stderr.write(s), env: {} },
    );
  }
  const fc = fed.client();
  for (;;) {
    const cl = (
      await fc
        .resource({ group: 'cluster.flotilla.io', version: 'v1alpha1', resource: 'clusters' })
        .list()
    ).items as (KubeObject & { status?: { conditions?: { type: string; status: string }[] } })[];
    if (
      cl.length === 3 &&
      cl.every((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))
    ) {
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await fc.resource(PROPAGATION_POLICIES, 'default').create({
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name: 'all-cm' },
    spec: {
      resourceSelectors: [
        { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: { matchLabels: { bench: 'yes' } } },
      ],
      placement: {},
    },
  });
  // first arrival time per object per member, from member watches
  const arrivals = new Map<string, Map<number, number>>();
  const arrived = (n: string): number => arrivals.get(n)?.size ?? 0;
  const watches = members.map((m) =>
    m.client().resource(CONFIGMAPS, 'default').watch({ labelSelector: 'bench=yes' }),
  );
  const pumps = watches.map(async (w, i) => {
    for await (const ev of w as AsyncIterable<WatchEvent>) {
      if (ev.type !== 'ADDED') continue;
      const n = ev.object.metadata.name ?? '';
      const per = arrivals.get(n) ?? new Map<number, number>();
      if (!per.has(i)) per.set(i, performance.now());
      arrivals.set(n, per);
    }
  });
  const created = new Map<string, number>();
  const cc = fc.resource(CONFIGMAPS, 'default');
  const t0 = performance.now();
  for (let i = 0; i < count; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, async (_, j) => {
        const name = `cm-${String(i + j)}`;
        created.set(name, performance.now());
        await cc.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, labels: { bench: 'yes' } },
          data: { k: 'v'.repeat(64) },
        });
      }),
    );
  }
  const deadline = Date.now() + 240_000;
  while ([...created.keys()].some((n) => arrived(n) < 3) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const timedOut = performance.now();
  // an object is done when its last member copy arrived; one still missing counts as arriving
  // at the deadline (never dropped from the figures)
  const doneAt = (n: string): number =>
    arrived(n) >= 3 ? Math.max(...(arrivals.get(n)?.values() ?? [])) : timedOut;
  const missing = [...created.keys()].filter((n) => arrived(n) < 3);
  if (missing.length > 0) {
    process.stderr.write(
      `federation bench: ${String(missing.length)} of ${String(count)} objects not in all members within the deadline\n`,
    );
  }
  const latencies = [...created].map(([n, t]) => doneAt(n) - t);
  const done = Math.max(...[...created.keys()].map(doneAt));
  for (const w of watches) w.stop();
  await Promise.allSettled(pumps);
  for (const m of members) await m.stop();
  await fed.stop();
  await etcd.stop();
  const rate = ((count - missing.length) * 3) / ((done - t0) / 1000);
  const p99 = percentile(latencies, 99);
  return [
    {
      name: `propagation: ${String(count)} ConfigMaps into 3 members`,
      unit: 'objs/s',
      ours: rate,
      reference: rawRate,
      referenceName: 'raw etcd put',
      ratio: rate / rawRate,
    },
    {
      name: 'propagation p99 apply → present in all members',
      unit: 'ms',
      ours: p99,
      reference: 1000 / rawRate,
      referenceName: 'raw etcd put (per object)',
      ratio: p99 / (1000 / rawRate),
    },
  ];
}

if (isMain(import.meta.url)) printResults(await runFederationBench());
