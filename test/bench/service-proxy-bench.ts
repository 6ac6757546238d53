/**
 * Service proxy benchmarks, on a hollow member whose ClusterIPs lie in 127/8 and the real
 * `flotilla-service-proxy` binary (dist/, built by `npm run bench`) as its own process:
 *  - HTTP requests/s through a ClusterIP (wrk, 10 connections, 5 s), against the same two
 *    backends (plain node:http in a child process) hit directly by the same wrk run (goal ≥ 0.5×);
 *  - endpoint change → proxy serving the new endpoint, p99 over 50 Endpoints updates, against
 *    the 1 s goal.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ENDPOINTS,
  SERVICES,
  type EndpointSubset,
  type Endpoints,
  type Service,
} from '../../api/index.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { startEtcd } from '../../hack/lib/services.js';
import { KUBE_PROXY_USER } from '../../member/cluster/member-bootstrap-policy.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { isMain, percentile, printResults, type BenchResult } from './bench-result.js';

const run = promisify(execFile);
const RANGE = '127.9.90.0/24';
const BACKENDS = ['127.9.91.1', '127.9.91.2'];
const DURATION = process.env.BENCH_PROXY_DURATION ?? '5s';
const CHANGES = Number(process.env.BENCH_PROXY_CHANGES ?? 50);

/** GET / on a fresh connection: the body, or '' on any error. */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Requests/s wrk reaches against `url` in `duration` (wrk's `-d`, e.g. `5s`). */
async function wrk(url: string, duration: string): Promise<number> {
  const { stdout } = await run('wrk', ['-t2', '-c10', `-d${duration}`, url], { timeout: 60_000 });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`wrk printed no rate:\n${stdout}`);
  return Number(m[1]);
}

/** Two HTTP backends (each answering its address) on one port, in a child process. */
async function startBackends(): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const http = require('node:http');
    const ips = ${JSON.stringify(BACKENDS)};
    const a = http.createServer((q, r) => r.end(ips[0]));
    a.listen(0, ips[0], () => {
      const port = a.address().port;
      http.createServer((q, r) => r.end(ips[1])).listen(port, ips[1], () => console.log(port));
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`backends exited ${String(code)}`)));
  });
  return { child, port };
}

/** Sizes of the service proxy benchmarks (the quick mode of run-all.ts passes tiny ones). */
export interface ServiceProxyBenchOptions {
  /** Each wrk run's duration (wrk's `-d`). @defaultValue BENCH_PROXY_DURATION, else `5s` */
  duration?: string;
  /** Endpoints updates timed. @defaultValue BENCH_PROXY_CHANGES, else 50 */
  changes?: number;
}

/** Runs the service proxy benchmarks. */
export async function runServiceProxyBench(
  opts: ServiceProxyBenchOptions = {},
): Promise<BenchResult[]> {
  const duration = opts.duration ?? DURATION;
  const changes = opts.changes ?? CHANGES;
  const bin = join(process.cwd(), 'dist/member/cmd/service-proxy.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first`);
  await run('wrk', ['--version']).catch((err: unknown) => {
    // wrk --version exits 1 after printing; only a missing binary is fatal
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('wrk is not installed (hack/install.sh installs it)');
    }
  });
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-proxy-bench-'));
  const etcd = await startEtcd();
  const member = new MemberCluster({
    name: 'bench-proxy',
    etcdEndpoint: etcd.endpoint,
    runtime: 'hollow',
    nodes: 1,
    clusterIndex: 84,
    serviceClusterIpRange: RANGE,
  });
  let proxy: ChildProcess | undefined;
  let backends: ChildProcess | undefined;
  try {
    await member.start();
    const b = await startBackends();
    backends = b.child;
    const kubeconfig = join(dir, 'service-proxy.kubeconfig');
    writeFileSync(
      kubeconfig,
      kubeconfigFor({
        name: 'bench-proxy',
        server: member.url,
        clientCert: member.auth.clientCert(KUBE_PROXY_USER),
        caCert: member.cert.cert,
      }),
    );
    proxy = spawn(process.execPath, [bin, '--kubeconfig', kubeconfig, '-v', '0'], {
      stdio: 'ignore',
    });
    const c = member.client();
    const svc = await c.resource<Service>(SERVICES, 'default').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: b.port }] },
    });
    const ip = svc.spec.clusterIP ?? '';
    const subsets = (ips: string[]): EndpointSubset[] => [
      { addresses: ips.map((a) => ({ ip: a })), ports: [{ name: 'http', port: b.port }] },
    ];
    const eps = c.resource<Endpoints>(ENDPOINTS, 'default');
    await eps.create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: subsets(BACKENDS),
    });
    const deadline = Date.now() + 30_000;
    while (!BACKENDS.includes(await get(ip, 80))) {
      if (Date.now() > deadline) throw new Error(`the proxy does not serve ${ip}:80`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const direct = await wrk(`http://${BACKENDS[0] ?? ''}:${String(b.port)}/`, duration);
    const proxied = await wrk(`http://${ip}:80/`, duration);

    const lat: number[] = [];
    for (let i = 0; i < changes; i++) {
      const want = BACKENDS[i % 2] ?? '';
      const cur = await eps.get('web');
      const t0 = performance.now();
      await eps.update({ ...structuredClone(cur), subsets: subsets([want]) });
      // served once two fresh connections in a row reach the one endpoint left
      let streak = 0;
      while (streak < 2 && performance.now() - t0 < 10_000) {
        streak = (await get(ip, 80)) === want ? streak + 1 : 0;
      }
      lat.push(performance.now() - t0);
    }
    const p99 = percentile(lat, 99);
    return [
      {
        name: 'service proxy HTTP via ClusterIP (wrk -c10)',
        unit: 'req/s',
        ours: proxied,
        reference: direct,
        referenceName: 'backend directly',
        ratio: proxied / direct,
      },
      {
        name: `endpoint change → served p99 (${String(changes)})`,
        unit: 'ms',
        ours: p99,
        reference: 1000,
        referenceName: 'goal',
        ratio: p99 / 1000,
      },
    ];
  } finally {
    proxy?.kill('SIGTERM');
    backends?.kill('SIGTERM');
    await member.stop();
    await etcd.stop();
  }
}

if (isMain(import.meta.url)) {
  printResults(await runServiceProxyBench());
}
