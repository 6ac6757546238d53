/**
 * The tools of the DNS bench (dns-bench.ts): dnsperf runs that report rate, average and p99
 * latency (from dnsperf's per-query `-v` lines), dnsmasq started as the reference (forwarding a
 * zone to a cluster DNS, with or without its cache), and a raw A query for readiness probes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../hack/lib/ports.js';
import { percentile } from './bench-result.js';

/** Median of a sample (mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** A raw single-question A/IN query for `name` with message ID `id`. */
export function query(name: string, id: number): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
}

/** How dnsperf loads a server. */
export interface DnsperfLoad {
  /** dnsperf `-c`: client sockets. */
  clients: number;
  /** dnsperf `-q`: queries outstanding at most. */
  outstanding: number;
}

/** One dnsperf run. */
export interface DnsperfRun {
  qps: number;
  /** Mean latency of the answered queries (dnsperf's own figure), ms. */
  avgMs: number;
  /** 99th percentile latency over every query sent, a lost one counting as the timeout, ms. */
  p99Ms: number;
  /** Queries answered. */
  completed: number;
  /** Queries that got no answer. */
  lost: number;
}

/** Per-query lines of `dnsperf -v`: `> NOERROR name A 0.000123`, or `> T name A` when lost. */
const ANSWERED = /^> [A-Z]+ \S+ \S+ ([\d.]+)$/gm;
const LOST = /^> T /gm;

/**
 * Runs dnsperf for `seconds` (or, with `passes`, through the query file that many times) and
 * returns its rate and latencies; throws when dnsperf fails or sees any answer but NOERROR.
 * dnsperf writes one line per query (`-v`) to a file in `dir`, read after the run so that
 * parsing costs the measured servers nothing. A query still unanswered at the end is waited for
 * `timeout` seconds (dnsperf's `-t`; its default, 5 s, when undefined).
 */
export async function dnsperf(
  port: number,
  file: string,
  dir: string,
  load: DnsperfLoad,
  run: { seconds?: number; passes?: number; timeout?: number | undefined },
): Promise<DnsperfRun> {
  const outFile = join(dir, `dnsperf-${String(port)}.out`);
  const fd = openSync(outFile, 'w');
  let err = '';
  let code: number | null;
  try {
    const child = spawn(
      'dnsperf',
      [
        ...['-s', '127.0.0.1', '-p', String(port), '-d', file, '-v'],
        ...['-c', String(load.clients), '-q', String(load.outstanding)],
        ...(run.seconds === undefined ? [] : ['-l', String(run.seconds)]),
        ...(run.passes === undefined ? [] : ['-n', String(run.passes)]),
        ...(run.timeout === undefined ? [] : ['-t', String(run.timeout)]),
      ],
      { stdio: ['ignore', fd, 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
  } finally {
    closeSync(fd);
  }
  const out = await readFile(outFile, 'utf8');
  const summary = out.slice(out.lastIndexOf('Statistics:'));
  const qps = /Queries per second:\s+([\d.]+)/.exec(summary)?.[1];
  const avg = /Average Latency \(s\):\s+([\d.]+)/.exec(summary)?.[1];
  if (code !== 0 || !qps || !avg) {
    throw new Error(`dnsperf failed (exit ${String(code)}):\n${err}${summary}`);
  }
  // a fast server answering errors would be measuring the wrong thing
  if (!/Response codes:\s+NOERROR \d+ \(100\.00%\)/.test(summary)) {
    throw new Error(`dnsperf saw non-NOERROR answers:\n${summary}`);
  }
  const latencies = Array.from(out.matchAll(ANSWERED), (m) => Number(m[1]) * 1000);
  const lost = out.match(LOST)?.length ?? 0;
  const timeoutMs = (run.timeout ?? 5) * 1000;
  for (let i = 0; i < lost; i++) latencies.push(timeoutMs);
  return {
    qps: Number(qps),
    avgMs: Number(avg) * 1000,
    p99Ms: percentile(latencies, 99),
    completed: latencies.length - lost,
    lost,
  };
}

/** A started dnsmasq. */
export interface Dnsmasq {
  port: number;
  child: ChildProcess;
}

/**
 * Starts dnsmasq forwarding each zone of `servers` (`zone=127.0.0.1#port`) to its server, with a
 * cache of `cacheSize` entries (0: no cache, every query forwarded), reading no resolv.conf and
 * no hosts file; resolves once it answers `probe`.
 */
export async function startDnsmasq(
  servers: { zone: string; server: string }[],
  cacheSize: number,
  probe: string,
): Promise<Dnsmasq> {
  const port = await freePort('127.0.0.1');
  const child = spawn(
    'dnsmasq',
    [
      ...['--keep-in-foreground', '--no-daemon', '--user=root', '--port', String(port)],
      ...['--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts'],
      ...servers.map((s) => `--server=/${s.zone}/${s.server}`),
      `--cache-size=${String(cacheSize)}`,
      // answers forwarded at once: the default limit (150) would SERVFAIL a dnsperf burst
      '--dns-forward-max=1000',
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
  try {
    await Promise.race([exited, answered(port, probe)]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { port, child };
}

/** Resolves once the server on `port` answers a query for `name` (sent every 50 ms). */
export async function answered(port: number, name: string): Promise<void> {
  const sock = createSocket('udp4');
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve) => {
      timer = setInterval(() => sock.send(query(name, 1), port, '127.0.0.1'), 50);
      sock.once('message', () => resolve());
    });
  } finally {
    clearInterval(timer);
    sock.close();
  }
}
