/**
 * DNS benchmark: dnsperf (Debian) against dnsmasq (Debian) and against ours, same names, same
 * query file, same run.
 *  - "resolver cache hits": our Resolver with every name cached (forwarded once from a cluster DNS)
 *    vs dnsmasq answering the same names from an addn-hosts file (`--no-resolv --no-hosts`).
 *  - "cluster DNS authoritative": our ClusterDnsServer (in this process) answering from its catalog
 *    (replies built once by dns2, then replayed from its answer table) vs the same dnsmasq.
 *  - "resolver, 2 workers": the built `flotilla-resolver --workers 2` (two processes on one port with
 *    SO_REUSEPORT, each with its own cache, warmed by one unmeasured dnsperf pass) vs the same dnsmasq.
 *  - "cluster-dns, 2 workers": two processes serving the same catalog on one port with SO_REUSEPORT
 *    (as `flotilla-cluster-dns --workers 2` runs; test/bench/cluster-dns-bench-worker.ts) vs dnsmasq.
 * Both sides get the same dnsperf settings (one thread, 8 sockets, 200 outstanding), query file and
 * duration, in interleaved rounds.
 * Run: `npx tsx test/bench/dns-bench.ts [seconds]`; `DNS_BENCH_CASES=cluster-dns` (comma list of
 * `resolver`, `cluster-dns`, `workers`, `cluster-dns-workers`) measures only those against dnsmasq.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterDnsServer, Resolver, RouteTable, StaticCatalog } from '../../dns/index.js';
import { freePort } from '../../hack/lib/ports.js';
import { isMain } from './bench-result.js';
import { BENCH_ZONE, benchIp, benchServices } from './cluster-dns-bench-worker.js';

const ZONE = BENCH_ZONE;
const root = new URL('../..', import.meta.url).pathname;
/** Cluster DNS worker processes of the `cluster-dns-workers` case. */
const CLUSTER_DNS_WORKERS = 2;
/** Interleaved dnsperf rounds per server by default; see {@link runDnsBench}. */
const ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function query(name: string, id: number): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
}

/**
 * Runs dnsperf for `seconds` and returns queries per second; throws when dnsperf fails. A query
 * still unanswered at the end is waited for `timeout` seconds (dnsperf's `-t`; its own default,
 * 5 s, when undefined).
 */
async function dnsperf(
  port: number,
  file: string,
  seconds: number,
  timeout?: number,
): Promise<number> {
  const child = spawn(
    'dnsperf',
    [
      '-s',
      '127.0.0.1',
      '-p',
      String(port),
      '-d',
      file,
      '-l',
      String(seconds),
      '-c',
      '8',
      '-q',
      '200',
      ...(timeout === undefined ? [] : ['-t', String(timeout)]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const m = /Queries per second:\s+([\d.]+)/.exec(out);
  if (code !== 0 || !m?.[1]) throw new Error(`dnsperf failed (exit ${String(code)}):\n${out}`);
  // a fast server answering errors would be measuring the wrong thing
  if (!/Response codes:\s+NOERROR \d+ \(100\.00%\)/.test(out)) {
    throw new Error(`dnsperf saw non-NOERROR answers:\n${out}`);
  }
  return Number(m[1]);
}

async function startDnsmasq(
  dir: string,
  names: string[],
): Promise<{ port: number; child: ChildProcess }> {
  const hosts = join(dir, 'hosts');
  await writeFile(hosts, names.map((n, i) => `${benchIp(i)} ${n}`).join('\n') + '\n', {
    mode: 0o644,
  });
  const port = await freePort('127.0.0.1');
  const child = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--no-daemon',
      '--user=root',
      '--port',
      String(port),
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${hosts}`,
      '--cache-size=10000',
      '--local-ttl=3600',
      '--log-facility=-',
      '--pid-file=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (c) => reject(new Error(`dnsmasq exited (${String(c)}): ${err}`))),
  );
  // wait until it answers
  const { createSocket } = await import('node:dgram');
  const sock = createSocket('udp4');
  try {
    await Promise.race([
      exited,
      new Promise<void>((resolve) => {
        const timer = setInterval(
          () => sock.send(query(names[0] ?? 'x', 1), port, '127.0.0.1'),
          50,
        );
        sock.once('message', () => {
          clearInterval(timer);
          resolve();
        });
      }),
    ]);
  } finally {
    sock.close();
  }
  return { port, child };
}

/** Starts the built resolver with `count` workers on one port and a static route; waits for them. */
async function startResolverWorkers(
  count: number,
  route: string,
): Promise<{ port: number; child: ChildProcess }> {
  const script = join(root, 'dist', 'dns', 'cmd', 'resolver.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const port = await freePort('127.0.0.1');
  const child = spawn(
    process.execPath,
    [script, '--port', String(port), '--workers', String(count), '--route', route],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while ((out.match(/^resolver worker \d+:/gm)?.length ?? 0) < count) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`resolver workers did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child };
}

/**
 * `count` cluster DNS worker processes ({@link ./cluster-dns-bench-worker.ts}) on one port with
 * SO_REUSEPORT, as `flotilla-cluster-dns --workers N` runs them; waits until each listens.
 */
async function startClusterDnsWorkers(
  count: number,
): Promise<{ port: number; children: ChildProcess[] }> {
  const script = join(root, 'test', 'bench', 'cluster-dns-bench-worker.ts');
  const port = await freePort('127.0.0.1');
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, String(port)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 30_000;
      while (!/^ready$/m.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`cluster DNS worker did not start:\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    for (const c of children) c.kill('SIGKILL');
    throw err;
  }
  return { port, children };
}

/** What {@link runDnsBench} measures and for how long (the quick mode of run-all.ts: tiny). */
export interface DnsBenchOptions {
  /** dnsperf seconds per server over all rounds. @defaultValue 5 */
  seconds?: number;
  /** Interleaved rounds. @defaultValue 3 */
  rounds?: number;
  /**
   * Of `resolver`, `cluster-dns`, `workers`, `cluster-dns-workers`.
   * @defaultValue all four
   */
  cases?: ReadonlySet<string>;
  /**
   * dnsperf's wait for an unanswered query (`-t`, seconds): dnsmasq drops a few queries of a
   * burst, and each run then waits this long after its time limit. @defaultValue dnsperf's (5)
   */
  queryTimeout?: number;
}

/**
 * dnsperf QPS of our resolver (cache hits) and our cluster DNS against dnsmasq, measured in the
 * same run: `rounds` interleaved rounds of `seconds / rounds` each per server (rounded to whole
 * seconds when that is at least 1 s); QPS are medians, the ratio is the median of the per-round
 * ratios. The unmeasured warm-up passes last 1 s, or `seconds` when shorter.
 */
export async function runDnsBench(
  opts: DnsBenchOptions = {},
): Promise<{ name: string; ours: number; reference: number; ratio: number }[]> {
  const seconds = opts.seconds ?? 5;
  const rounds = opts.rounds ?? ROUNDS;
  const cases =
    opts.cases ?? new Set(['resolver', 'cluster-dns', 'workers', 'cluster-dns-workers']);
  const timeout = opts.queryTimeout;
  const dir = await mkdtemp(join(tmpdir(), 'dns-bench-'));
  const svcs = benchServices();
  const names = svcs.map((s) => `${s.metadata.name ?? ''}.default.svc.${ZONE}`);
  const file = join(dir, 'queries.txt');
  // shuffled so neither server benefits from ordering
  const shuffled = [...names].sort(() => Math.random() - 0.5);
  await writeFile(file, shuffled.map((n) => `${n} A`).join('\n') + '\n');
  const cluster = new ClusterDnsServer({
    zone: ZONE,
    catalog: new StaticCatalog(svcs, []),
    ttl: 3600,
  });
  const routes = new RouteTable();
  const resolver = new Resolver({ routes, cache: { maxEntries: 20_000 } });
  let masq: ChildProcess | undefined;
  let workers: { port: number; child: ChildProcess } | undefined;
  let dnsWorkers: { port: number; children: ChildProcess[] } | undefined;
  try {
    const c = await cluster.start();
    routes.set([{ zone: ZONE, servers: [`127.0.0.1:${String(c.port)}`] }]);
    const r = await resolver.start();
    for (let i = 0; i < names.length; i++) {
      await resolver.handle(query(names[i] ?? '', i), '127.0.0.1');
    }
    const warm = Math.min(1, seconds);
    const dm = await startDnsmasq(dir, names);
    masq = dm.child;
    if (cases.has('workers')) {
      workers = await startResolverWorkers(2, `${ZONE}=127.0.0.1:${String(c.port)}`);
      await dnsperf(workers.port, file, warm, timeout); // warm both workers' caches (not measured)
    }
    if (cases.has('cluster-dns-workers')) {
      dnsWorkers = await startClusterDnsWorkers(CLUSTER_DNS_WORKERS);
      // fill both workers' answer tables (not measured)
      await dnsperf(dnsWorkers.port, file, warm, timeout);
    }
    const measured = [
      { name: 'dns resolver cache-hit QPS (dnsperf)', port: r.port, on: cases.has('resolver') },
      {
        name: 'dns cluster-dns authoritative QPS (dnsperf)',
        port: c.port,
        on: cases.has('cluster-dns'),
      },
      {
        name: 'dns resolver 2 workers cache-hit QPS (dnsperf)',
        port: workers?.port ?? 0,
        on: cases.has('workers'),
      },
      {
        name: `dns cluster-dns ${String(CLUSTER_DNS_WORKERS)} workers auth QPS (dnsperf)`,
        port: dnsWorkers?.port ?? 0,
        on: cases.has('cluster-dns-workers'),
      },
    ].filter((m) => m.on);
    // Short interleaved rounds (rotating which server goes first) instead of one long run each,
    // so load from other processes on the machine hits both sides alike; each round's ratio pairs
    // runs taken seconds apart, and the medians drop the odd disturbed round.
    const ports = [dm.port, ...measured.map((m) => m.port)];
    const runs: number[][] = ports.map(() => []);
    const perRound = seconds < rounds ? seconds / rounds : Math.round(seconds / rounds);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < ports.length; k++) {
        const i = (round + k) % ports.length;
        runs[i]?.push(await dnsperf(ports[i] ?? 0, file, perRound, timeout));
      }
    }
    const [reference = [], ...ours] = runs;
    return measured.map((m, j) => {
      const qps = ours[j] ?? [];
      return {
        name: m.name,
        ours: median(qps),
        reference: median(reference),
        ratio: median(qps.map((q, i) => q / (reference[i] ?? q))),
      };
    });
  } finally {
    masq?.kill('SIGTERM');
    workers?.child.kill('SIGTERM');
    for (const c of dnsWorkers?.children ?? []) c.kill('SIGTERM');
    await resolver.stop();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const cases = process.env.DNS_BENCH_CASES;
  runDnsBench({
    seconds: Number(process.argv[2] ?? 5),
    ...(cases ? { cases: new Set(cases.split(',')) } : {}),
  }).then(
    (rows) => {
      for (const r of rows) {
        console.log(
          `${r.name.padEnd(46)} ours ${r.ours.toFixed(0).padStart(8)} q/s   dnsmasq ${r.reference.toFixed(0).padStart(8)} q/s   ratio ${r.ratio.toFixed(3)}`,
        );
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
