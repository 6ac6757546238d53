/**
 * API server benchmarks (issue #15's "API server and storage" line), against etcd itself in the
 * same run, with the member API server in a process of its own (member-bench-apiserver.ts):
 *  - create throughput: ConfigMaps created through the API (32 in flight) vs raw etcd3 puts of
 *    the same JSON with the same concurrency (goal ≥ 0.5×);
 *  - watch fan-out: 1,000 HTTP watches of one namespace's ConfigMaps while one ConfigMap is
 *    updated 100 times at 20/s; delivery latency = update sent → event parsed by each watcher,
 *    p50/p99 over every delivery (goal p99 < 1 s), vs 1,000 etcd3 watches of a key put the same way.
 * `BENCH_WATCH_CACHE=0` runs the API server without its watch cache (the before/after A/B).
 */
import { Etcd3 } from 'etcd3';
import { request, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { KubeObject } from '../../machinery/meta.js';
import { startEtcd } from '../../hack/lib/services.js';
import {
  isMain,
  opsPerSecond,
  percentile,
  printResults,
  type BenchResult,
} from './bench-result.js';
import { startBenchApiServer } from './member-bench-apiserver.js';

/** Options for {@link runApiServerBench}. */
export interface ApiServerBenchOptions {
  /** ConfigMaps created per side. @defaultValue 2000 */
  creates?: number;
  /** Creates in flight. @defaultValue 32 */
  concurrency?: number;
  /** Watches opened per side. @defaultValue 1000 */
  watchers?: number;
  /** Updates delivered to every watch. @defaultValue 100 */
  events?: number;
  /** Updates per second. @defaultValue 20 */
  rate?: number;
}

const CM = { group: '', version: 'v1', resource: 'configmaps' };
const NS = { group: '', version: 'v1', resource: 'namespaces' };

function configMap(name: string, seq = 0): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench' } },
    data: { seq: String(seq), payload: 'x'.repeat(256) },
  };
}

async function createThroughput(
  client: RestClient,
  etcd: Etcd3,
  n: number,
  concurrency: number,
): Promise<BenchResult> {
  const cms = client.resource(CM, 'bench-create');
  const ours = await opsPerSecond(n, concurrency, (i) => cms.create(configMap(`cm-${String(i)}`)));
  const raw = await opsPerSecond(n, concurrency, (i) =>
    etcd
      .put(`/raw/configmaps/bench-create/cm-${String(i)}`)
      .value(JSON.stringify(configMap(`cm-${String(i)}`)))
      .exec(),
  );
  return {
    name: `API create throughput: ${String(n)} ConfigMaps, ${String(concurrency)} in flight`,
    unit: 'objs/s',
    ours,
    reference: raw,
    referenceName: 'raw etcd3 put',
    ratio: ours / raw,
  };
}

/** One side of the fan-out: `open` starts a watcher calling `seen(seq)`; `write(seq)` sends. */
interface FanOutSide {
  open(seen: (seq: number) => void): Promise<void>;
  write(seq: number): Promise<unknown>;
  close(): void;
}

/** Delivery latencies (ms) of `events` writes to `watchers` watchers, and how many were missed. */
async function fanOut(
  side: FanOutSide,
  watchers: number,
  events: number,
  rate: number,
): Promise<{ latencies: number[]; missed: number }> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  for (let i = 0; i < watchers; i += 50) {
    const batch = Array.from({ length: Math.min(50, watchers - i) }, () =>
      side.open((seq) => {
        const t = sentAt.get(seq);
        if (t !== undefined) latencies.push(performance.now() - t);
      }),
    );
    await Promise.all(batch);
  }
  const start = performance.now();
  for (let seq = 1; seq <= events; seq++) {
    const due = start + ((seq - 1) * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentAt.set(seq, performance.now());
    await side.write(seq);
  }
  const deadline = performance.now() + 60_000;
  while (latencies.length < watchers * events && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  side.close();
  return { latencies, missed: watchers * events - latencies.length };
}

/** HTTP watches of the bench namespace's ConfigMaps, each on its own connection. */
function apiSide(url: string, client: RestClient, from: string): FanOutSide {
  const responses: IncomingMessage[] = [];
  const cms = client.resource(CM, 'bench-watch');
  return {
    open: (seen) =>
      new Promise((resolve, reject) => {
        const req = request(
          `${url}/api/v1/namespaces/bench-watch/configmaps?watch=1&resourceVersion=${from}`,
          { agent: false },
          (res) => {
            responses.push(res);
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buf += chunk;
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                const ev = JSON.parse(line) as { object?: { data?: { seq?: string } } };
                seen(Number(ev.object?.data?.seq));
              }
            });
            resolve();
          },
        );
        req.on('error', reject);
        req.end();
      }),
    write: (seq) => cms.patch('fan', { data: { seq: String(seq) } }, 'merge'),
    close: () => {
      for (const r of responses) r.destroy();
    },
  };
}

/** etcd3 watches of one key, the reference. */
function etcdSide(etcd: Etcd3): FanOutSide {
  const key = '/raw/configmaps/bench-watch/fan';
  const closers: (() => Promise<void>)[] = [];
  return {
    open: async (seen) => {
      const w = await etcd.watch().key(key).create();
      w.on('put', (kv) => {
        const obj = JSON.parse(kv.value.toString('utf8')) as { data: { seq: string } };
        seen(Number(obj.data.seq));
      });
      closers.push(() => w.cancel());
    },
    write: (seq) =>
      etcd
        .put(key)
        .value(JSON.stringify(configMap('fan', seq)))
        .exec(),
    close: () => {
      for (const c of closers) void c().catch(() => undefined);
    },
  };
}

/** The create-throughput and watch fan-out rows. */
export async function runApiServerBench(opts: ApiServerBenchOptions = {}): Promise<BenchResult[]> {
  const creates = opts.creates ?? 2000;
  const watchers = opts.watchers ?? 1000;
  const events = opts.events ?? 100;
  const rate = opts.rate ?? 20;
  const etcdService = await startEtcd();
  const etcd = new Etcd3({ hosts: [etcdService.endpoint] });
  const server = await startBenchApiServer(etcdService.endpoint);
  const client = new RestClient({ server: server.url });
  try {
    for (const name of ['bench-create', 'bench-watch']) {
      await client.resource(NS).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    // BENCH_CPU_PROF=<dir>: the API server's CPU profile of the create phase
    const dir = process.env.BENCH_CPU_PROF;
    const stopProfile = dir ? server.profile() : undefined;
    const results = [await createThroughput(client, etcd, creates, opts.concurrency ?? 32)];
    await stopProfile?.(join(resolve(dir ?? '.'), 'apiserver-create.cpuprofile'));
    const fan = await client.resource(CM, 'bench-watch').create(configMap('fan'));
    const api = await fanOut(
      apiSide(server.url, client, fan.metadata.resourceVersion ?? '0'),
      watchers,
      events,
      rate,
    );
    const raw = await fanOut(etcdSide(etcd), watchers, events, rate);
    const label = `${String(watchers)} watchers × ${String(events)} updates`;
    for (const p of [50, 99]) {
      const ours = percentile(api.latencies, p);
      const ref = percentile(raw.latencies, p);
      results.push({
        name: `watch fan-out p${String(p)} delivery: ${label}${p === 99 && api.missed > 0 ? ` (${String(api.missed)} missed)` : ''}`,
        unit: 'ms',
        ours,
        reference: ref,
        referenceName: 'etcd3 watch',
        ratio: ref > 0 ? ours / ref : 0,
      });
    }
    return results;
  } finally {
    client.close();
    etcd.close();
    await server.stop();
    await etcdService.stop();
  }
}

if (isMain(import.meta.url)) {
  const n = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);
  const opts: ApiServerBenchOptions = {};
  const watchers = n(process.env.BENCH_WATCHERS);
  if (watchers !== undefined) opts.watchers = watchers;
  const creates = n(process.env.BENCH_CREATES);
  if (creates !== undefined) opts.creates = creates;
  printResults(await runApiServerBench(opts));
}
