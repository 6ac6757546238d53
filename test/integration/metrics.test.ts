// Prometheus metrics with real clients: `kubectl get --raw /metrics` on a member and on the
// federation (request counters that grow, controller workqueues, RBAC on the non-resource URL;
// after activity: cluster readiness and health checks, placement attempts and propagation latency
// on the federation, scheduler attempts on the member, etcd request latency on both),
// the built resolver's `--metrics-port` with two workers summed by the primary, fed by `dig`,
// and a cluster DNS's dns_* counters (in-process, and the built binary with two workers summed by
// its primary, on the member's Services), fed by `dig`.
import { execFile, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { joinMember } from '../support/hollow-federation.js';
import { CONFIGMAPS, NAMESPACES, PODS, type Pod } from '../../api/index.js';
import { ClusterDnsServer, StaticCatalog } from '../../dns/index.js';
import { DnsQueryMetrics } from '../../dns/metrics/dns-query-metrics.js';
import { serveProcessMetrics } from '../../machinery/metrics/metrics-endpoint.js';
import { PROPAGATION_POLICIES } from '../../federation/apis/index.js';
import { distScript, ensureBuilt } from '../support/binaries.js';
import { adminContext, userContext } from '../support/kube-contexts.js';

const run = promisify(execFile);
const root = resolve(new URL('../..', import.meta.url).pathname);

/** The value of the first sample of `metric` whose label text contains every `labels` pair. */
function sample(text: string, metric: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('API server /metrics', () => {
  let etcd: EtcdService;
  let fed: FederationControlPlane;
  let member: MemberCluster;
  let dir: string;
  let kubeconfig: string;

  const kubectl = async (ctx: string, ...args: string[]): Promise<string> =>
    (
      await run('kubectl', ['--kubeconfig', kubeconfig, '--context', ctx, ...args], {
        timeout: 30_000,
        maxBuffer: 16 * 1024 * 1024,
      })
    ).stdout;

  beforeAll(async () => {
    await run('kubectl', ['version', '--client']).catch(() => {
      throw new Error('kubectl is not installed on this machine');
    });
    dir = mkdtempSync(join(tmpdir(), 'flotilla-metrics-'));
    kubeconfig = join(dir, 'kubeconfig');
    etcd = await startEtcd();
    fed = new FederationControlPlane({
      etcdEndpoint: etcd.endpoint,
      etcdPrefix: `/metrics-fed-${String(process.pid)}`,
      resyncMs: 1000,
      health: { probePeriodMs: 500, probeTimeoutMs: 2000 },
    });
    await fed.start();
    member = new MemberCluster({
      name: 'metrics-m1',
      etcdEndpoint: etcd.endpoint,
      etcdPrefix: `/metrics-member-${String(process.pid)}`,
      nodes: 1,
      runtime: 'hollow',
    });
    await member.start();
    writeFileSync(
      kubeconfig,
      kubeconfigFor(
        adminContext('fed', fed),
        userContext('fed-alice', fed, 'alice', []),
        adminContext('member', member),
        userContext('member-alice', member, 'alice', []),
        userContext('member-prometheus', member, 'prometheus', ['system:monitoring']),
      ),
    );
  }, 120_000);

  afterAll(async () => {
    await member?.stop();
    await fed?.stop();
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [ctx, queue] of [
    ['member', 'deployment-controller'],
    ['fed', 'binding-controller'],
  ] as const) {
    it(`${ctx}: admin reads request counters that grow, and the controllers' queues`, async () => {
      const list = { verb: 'LIST', group: '', resource: 'namespaces', code: '200' };
      await kubectl(ctx, 'get', 'namespaces');
      const before = sample(
        await kubectl(ctx, 'get', '--raw', '/metrics'),
        'apiserver_request_total',
        list,
      );
      expect(before).toBeGreaterThanOrEqual(1);
      await kubectl(ctx, 'get', 'namespaces');
      await kubectl(ctx, 'get', 'namespaces');
      const text = await kubectl(ctx, 'get', '--raw', '/metrics');
      expect(sample(text, 'apiserver_request_total', list)).toBeGreaterThanOrEqual(before + 2);
      expect(
        sample(text, 'apiserver_request_duration_seconds_count', {
          verb: 'LIST',
          resource: 'namespaces',
        }),
      ).toBeGreaterThanOrEqual(3);
      expect(text).toMatch(new RegExp(`^workqueue_depth\\{name="${queue}"\\} \\d+$`, 'm'));
      expect(text).toMatch(new RegExp(`^workqueue_adds_total\\{name="${queue}"\\} \\d+$`, 'm'));
      expect(text).toMatch(/^apiserver_current_inflight_requests\{request_kind="readOnly"\} \d+$/m);
      expect(text).toMatch(/^process_cpu_seconds_total \d/m);
      // informers' watches are counted, but kept out of the latency histogram
      expect(sample(text, 'apiserver_request_total', { verb: 'WATCH' })).toBeGreaterThanOrEqual(1);
      expect(text).not.toMatch(/^apiserver_request_duration_seconds_count\{verb="WATCH"/m);
    });
  }

  it('federation: cluster health, placement and propagation latency after a propagation', async () => {
    const api = fed.client();
    const name = member.opts.name;
    await joinMember(api, member);
    const scrape = (): Promise<string> => kubectl('fed', 'get', '--raw', '/metrics');
    await expect
      .poll(async () => sample(await scrape(), 'flotilla_cluster_ready', { cluster: name }), {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(1);
    expect(
      sample(await scrape(), 'flotilla_cluster_health_checks_total', {
        cluster: name,
        result: 'healthy',
      }),
    ).toBeGreaterThanOrEqual(1);
    await api
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metrics-prop' } });
    await api.resource(CONFIGMAPS, 'metrics-prop').create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { a: '1' },
    });
    await api.resource(PROPAGATION_POLICIES, 'metrics-prop').create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'settings' },
      spec: {
        resourceSelectors: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' }],
        placement: { clusterAffinity: { clusterNames: [name] } },
      },
    });
    await expect
      .poll(
        () =>
          member
            .client()
            .resource(CONFIGMAPS, 'metrics-prop')
            .get('settings')
            .then(
              () => true,
              () => false,
            ),
        { timeout: 30_000, interval: 250 },
      )
      .toBe(true);
    await expect
      .poll(
        async () =>
          sample(await scrape(), 'flotilla_propagation_latency_seconds_count', { cluster: name }),
        { timeout: 10_000, interval: 250 },
      )
      .toBeGreaterThanOrEqual(1);
    const text = await scrape();
    // under a minute from the template to the member, in the histogram's buckets
    expect(
      sample(text, 'flotilla_propagation_latency_seconds_bucket', { cluster: name, le: '60' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'scheduler_schedule_attempts_total', {
        result: 'scheduled',
        profile: 'federation-scheduler',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'etcd_request_duration_seconds_count', {
        operation: 'create',
        type: 'configmaps',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('member: scheduler attempts, etcd latency and kubectl top after pods are scheduled', async () => {
    const pods = member.client().resource<Pod>(PODS, 'default');
    for (const n of ['one', 'two']) {
      await pods.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `sched-${n}` },
        spec: { containers: [{ name: 'c', image: 'hollow:1' }] },
      });
    }
    await expect
      .poll(async () => (await pods.list()).items.filter((p) => p.spec.nodeName).length, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(2);
    // metrics.k8s.io read from the in-process kubelets once the pods run
    await expect
      .poll(
        async () => (await pods.list()).items.filter((p) => p.status?.phase === 'Running').length,
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      .toBe(2);
    const top = await kubectl('member', 'top', 'pods', '--no-headers');
    expect(top).toMatch(/^sched-one\s+\d+m\s+\d+Mi/m);
    expect(top).toMatch(/^sched-two\s+\d+m\s+\d+Mi/m);
    const text = await kubectl('member', 'get', '--raw', '/metrics');
    const scheduled = { result: 'scheduled', profile: 'default-scheduler' };
    expect(sample(text, 'scheduler_schedule_attempts_total', scheduled)).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, 'scheduler_scheduling_attempt_duration_seconds_count', scheduled),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, 'etcd_request_duration_seconds_count', { operation: 'create', type: 'pods' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, 'etcd_request_duration_seconds_count', { operation: 'update', type: 'pods' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it("cluster DNS --workers 2: the primary sums its workers' dns_* counters", async () => {
    const script = distScript('dns/cmd/cluster-dns.js');
    ensureBuilt([script]);
    const dnsKubeconfig = join(dir, 'cluster-dns.kubeconfig');
    writeFileSync(dnsKubeconfig, kubeconfigFor(adminContext('member', member)));
    const port = await freePort();
    let metricsPort = await freePort();
    while (metricsPort === port) metricsPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        script,
        '--kubeconfig',
        dnsKubeconfig,
        '--zone',
        'metrics.local',
        '--port',
        String(port),
        '--workers',
        '2',
        '--metrics-bind-address',
        `127.0.0.1:${String(metricsPort)}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const scrape = async (): Promise<string> =>
      (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    const dig = async (name: string): Promise<string> =>
      (
        await run(
          'dig',
          ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', '+short', name],
          {
            timeout: 10_000,
          },
        )
      ).stdout.trim();
    try {
      await expect
        .poll(() => out.match(/cluster-dns worker \d+: zone/g)?.length ?? 0, { timeout: 20_000 })
        .toBe(2);
      const before = await scrape();
      // several queries so that both workers (SO_REUSEPORT by source port) likely answer some
      for (let i = 0; i < 6; i++) {
        expect(await dig('kubernetes.default.svc.metrics.local')).toBe('10.96.0.1');
      }
      expect(await dig('missing.default.svc.metrics.local')).toBe('');
      const after = await scrape();
      expect(after).toMatch(/^process_cpu_user_seconds_total \d/m);
      const delta = (metric: string, labels: Record<string, string>): number =>
        sample(after, metric, labels) - sample(before, metric, labels);
      expect(delta('dns_requests_total', { type: 'A' })).toBe(7);
      expect(delta('dns_responses_total', { rcode: 'NOERROR' })).toBe(6);
      expect(delta('dns_responses_total', { rcode: 'NXDOMAIN' })).toBe(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('a user without the system:monitoring binding gets 403; one in the group reads', async () => {
    for (const ctx of ['member-alice', 'fed-alice']) {
      const err = await kubectl(ctx, 'get', '--raw', '/metrics').then(
        () => '',
        (e: unknown) => String((e as { stderr?: string }).stderr ?? e),
      );
      expect(err).toMatch(/Forbidden|forbidden/);
    }
    expect(await kubectl('member-prometheus', 'get', '--raw', '/metrics')).toMatch(
      /^apiserver_request_total\{/m,
    );
  });
});

/**
 * A fake authoritative server for the resolver's route: answers every query with one A record
 * (127.0.0.9, TTL 300), so repeated questions are served from the resolver's cache.
 */
async function fakeUpstream(): Promise<Socket> {
  const sock = createSocket('udp4');
  sock.on('message', (q, rinfo) => {
    let end = 12;
    while (end < q.length && q[end] !== 0) end += (q[end] ?? 0) + 1;
    const question = q.subarray(12, end + 5);
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8580, 2); // QR AA RD RA, NOERROR
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(1, 6);
    const answer = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 127, 0, 0, 9]);
    sock.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return sock;
}

describe('resolver --metrics-port with --workers 2', () => {
  it('sums the workers: cache hits rise after repeated dig of one name', async () => {
    if (!existsSync(join(root, 'dist', 'dns', 'cmd', 'resolver.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first');
    }
    const upstream = await fakeUpstream();
    const port = await freePort();
    let metricsPort = await freePort();
    while (metricsPort === port) metricsPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(root, 'dist', 'dns', 'cmd', 'resolver.js'),
        '--port',
        String(port),
        '--workers',
        '2',
        '--metrics-port',
        String(metricsPort),
        '--route',
        `metrics.test=127.0.0.1:${String(upstream.address().port)}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const scrape = async (): Promise<string> =>
      (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    try {
      await expect
        .poll(() => out.match(/resolver worker \d+:/g)?.length ?? 0, { timeout: 20_000 })
        .toBe(2);
      const before = sample(await scrape(), 'dns_cache_hits_total');
      for (let i = 0; i < 12; i++) {
        const { stdout } = await run(
          'dig',
          ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', '+short', 'www.metrics.test'],
          { timeout: 10_000 },
        );
        expect(stdout.trim()).toBe('127.0.0.9');
      }
      const text = await scrape();
      // each worker has its own cache: at most one miss per worker, the rest are hits
      expect(sample(text, 'dns_cache_hits_total')).toBeGreaterThanOrEqual(before + 10);
      expect(sample(text, 'dns_cache_misses_total')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'dns_requests_total', { type: 'A' })).toBeGreaterThanOrEqual(12);
      expect(sample(text, 'dns_responses_total', { rcode: 'NOERROR' })).toBeGreaterThanOrEqual(12);
      expect(sample(text, 'dns_upstream_request_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    } finally {
      child.kill('SIGTERM');
      upstream.close();
    }
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('cluster DNS --metrics-bind-address', () => {
  it('counts dig queries by rcode next to the process metrics', async () => {
    // as dns/cmd/cluster-dns.ts wires a lone server: its counters on the process-metrics registry
    const endpoint = await serveProcessMetrics('127.0.0.1', 0);
    const server = new ClusterDnsServer({
      zone: 'metrics.member1',
      catalog: new StaticCatalog([
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'default' },
          spec: { clusterIP: '10.96.8.8', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
        },
      ]),
      metrics: new DnsQueryMetrics(endpoint.registry),
    });
    const scrape = async (): Promise<string> =>
      (await fetch(`http://${endpoint.address}/metrics`)).text();
    const dig = async (name: string): Promise<string> =>
      (
        await run(
          'dig',
          ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', '+noall', '+answer', name],
          { timeout: 10_000 },
        )
      ).stdout;
    const { port } = await server.start();
    try {
      const before = await scrape();
      expect(before).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(await dig('web.default.svc.metrics.member1')).toContain('10.96.8.8');
      expect(await dig('web.default.svc.metrics.member1')).toContain('10.96.8.8');
      expect(await dig('missing.default.svc.metrics.member1')).toBe('');
      const after = await scrape();
      const at = { server: `dns://127.0.0.1:${String(port)}` };
      const delta = (metric: string, labels: Record<string, string>): number =>
        sample(after, metric, { ...at, ...labels }) - sample(before, metric, { ...at, ...labels });
      expect(delta('dns_requests_total', { type: 'A' })).toBe(3);
      expect(delta('dns_responses_total', { rcode: 'NOERROR' })).toBe(2);
      expect(delta('dns_responses_total', { rcode: 'NXDOMAIN' })).toBe(1);
      expect(delta('dns_responses_total', { rcode: 'SERVFAIL' })).toBe(0);
    } finally {
      await server.stop();
      await endpoint.close();
    }
  });
});
