/**
 * The `slow-member` fault: for a window, the federation reaches one member's API server through a
 * TCP proxy on 127.0.0.1 (test/support/delay-proxy.ts) that holds back every chunk of its answers
 * `delayMs`. The Cluster's `spec.apiEndpoint` is patched to the proxy (the federation rebuilds
 * its client for the member on that change) and restored afterwards. Meanwhile the probe
 * ConfigMap (fixtures.ts) is written at the federation about once a second and each write is timed
 * until every other member holds it: the samples say whether a slow member delays the others.
 */
import { CONFIGMAPS, type ConfigMap } from '../../api/index.js';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { startDelayProxy } from '../support/delay-proxy.js';
import { PROBE_CONFIGMAP } from './fixtures.js';
import { CHAOS_NAMESPACE } from './workload.js';

/** What the fault acts on. */
export interface SlowMemberContext {
  /** Federation admin client: the Cluster's endpoint, the probe writes. */
  federation: RestClient;
  /** Member name → admin client (the healthy members are read directly). */
  members: ReadonlyMap<string, RestClient>;
  /** How late each chunk of the slow member's answers is. */
  delayMs: number;
}

/** What the fault did. */
export interface SlowMemberOutcome {
  detail: string;
  /** Per probe write: ms from its acknowledgement to the last healthy member holding it. */
  samplesMs: number[];
}

/** A probe write not seen in a healthy member after this long counts as this long. */
const SAMPLE_CAP_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Retries `fn` for up to `ms` (the federation API server may be restarting). */
async function retry<T>(what: string, ms: number, fn: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (performance.now() > deadline) {
        throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(500);
    }
  }
}

/** Waits until `member` holds the probe with `seq` or later; returns the ms waited (capped). */
async function arrival(member: RestClient, seq: number): Promise<number> {
  const from = performance.now();
  const cms = member.resource<ConfigMap>(CONFIGMAPS, CHAOS_NAMESPACE);
  while (performance.now() - from < SAMPLE_CAP_MS) {
    const got = await cms.get(PROBE_CONFIGMAP).catch(() => undefined);
    if (Number(got?.data?.seq) >= seq) return performance.now() - from;
    await sleep(100);
  }
  return SAMPLE_CAP_MS;
}

/** Probe writes, one about every second, until `until`; the samples of {@link SlowMemberOutcome}. */
async function probeWrites(
  ctx: SlowMemberContext,
  healthy: RestClient[],
  until: number,
): Promise<number[]> {
  const cms = ctx.federation.resource<ConfigMap>(CONFIGMAPS, CHAOS_NAMESPACE);
  const current = await retry('read the probe', 10_000, () => cms.get(PROBE_CONFIGMAP));
  let seq = Number(current.data?.seq ?? 0);
  const samples: number[] = [];
  while (performance.now() < until) {
    const started = performance.now();
    seq++;
    const acked = await cms
      .patch(PROBE_CONFIGMAP, { data: { seq: String(seq) } }, 'merge')
      .then(() => true)
      .catch(() => false);
    if (acked && healthy.length > 0) {
      const waits = await Promise.all(healthy.map((m) => arrival(m, seq)));
      samples.push(Math.max(...waits));
    }
    await sleep(1000 - (performance.now() - started));
  }
  return samples;
}

/** Runs the fault on member `target` for `holdMs` (see the module comment). */
export async function slowMember(
  ctx: SlowMemberContext,
  target: string,
  holdMs: number,
): Promise<SlowMemberOutcome> {
  const clusters = ctx.federation.resource<Cluster>(CLUSTERS);
  const original = (await retry('read the Cluster', 10_000, () => clusters.get(target))).spec
    .apiEndpoint;
  const proxy = await startDelayProxy(original);
  proxy.delayMs = ctx.delayMs;
  const healthy = [...ctx.members].filter(([m]) => m !== target).map(([, c]) => c);
  let samples: number[] = [];
  try {
    await retry('reroute the Cluster', 10_000, () =>
      clusters.patch(target, { spec: { apiEndpoint: proxy.url } }, 'merge'),
    );
    samples = await probeWrites(ctx, healthy, performance.now() + holdMs);
  } finally {
    // back to the member itself. The proxy answers promptly until the federation has moved off it
    // (its old client closed): cutting those connections would count as the member failing.
    proxy.delayMs = 0;
    await retry('restore the Cluster', 30_000, () =>
      clusters.patch(target, { spec: { apiEndpoint: original } }, 'merge'),
    );
    const drained = performance.now() + 15_000;
    while (proxy.open > 0 && performance.now() < drained) await sleep(200);
    await proxy.close();
  }
  if (proxy.connections === 0) {
    throw new Error(`the federation never dialled ${target} through the proxy ${proxy.url}`);
  }
  const max = samples.length > 0 ? Math.max(...samples) : Number.NaN;
  const detail =
    `${String(ctx.delayMs)} ms late for ${(holdMs / 1000).toFixed(1)} s through ${proxy.url} ` +
    `(${String(proxy.connections)} connections); ${String(samples.length)} probe writes reached ` +
    `the other members in at most ${(max / 1000).toFixed(1)} s`;
  return { detail, samplesMs: samples };
}
