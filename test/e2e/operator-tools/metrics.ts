// Metrics against the operator-tools federation (process topology: every component its own
// process): `kubectl get --raw /metrics` on the federation and on member1 shows
// apiserver_request_total and workqueue_depth (the API server's own queues) and etcd latency;
// alice gets 403; `kubectl --context member1 top nodes|pods` (metrics.k8s.io from the kubelets);
// the kubelet's /metrics through nodes/proxy; the resolver's cache hits rise under repeated dig;
// and examples/metrics.sh.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { OperatorToolsEnv } from './harness.js';

const run = promisify(execFile);

/** The value of the first sample of `metric` whose line contains every `labels` pair (0 if none). */
function sample(text: string, metric: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** Registers the metrics part of the operator-tools e2e suite. */
export function metricsTests(env: () => OperatorToolsEnv): void {
  describe('metrics', () => {
    for (const ctx of ['federation', 'member1']) {
      it(`${ctx}: kubectl get --raw /metrics shows apiserver_request_total and workqueue_depth`, async () => {
        const e = env();
        await e.kubectl(['--context', ctx, 'get', 'namespaces']);
        const r = await e.kubectl(['--context', ctx, 'get', '--raw', '/metrics']);
        expect(r.code, r.stderr).toBe(0);
        expect(
          sample(r.stdout, 'apiserver_request_total', { verb: 'LIST', resource: 'namespaces' }),
        ).toBeGreaterThanOrEqual(1);
        // the API server's own controller (RBAC ClusterRole aggregation) reports its queue here
        expect(r.stdout).toMatch(/^workqueue_depth\{name="clusterrole-aggregation"\} \d+$/m);
        expect(
          sample(r.stdout, 'etcd_request_duration_seconds_count', { operation: 'get' }),
        ).toBeGreaterThanOrEqual(1);
      });
    }

    it('alice (no nonResourceURLs grant) gets 403 on /metrics', async () => {
      const r = await env().kubectl(['--context', 'federation-alice', 'get', '--raw', '/metrics']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Forbidden/);
    });

    it('kubectl --context member1 top nodes prints every node; top pods -A answers', async () => {
      const e = env();
      const nodes = await e.kubectl(['--context', 'member1', 'top', 'nodes', '--no-headers']);
      expect(nodes.code, nodes.stderr).toBe(0);
      const rows = nodes.stdout.trim().split('\n');
      expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual([
        'member1-node-1',
        'member1-node-2',
      ]);
      for (const row of rows) expect(row).toMatch(/^\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
      const pods = await e.kubectl(['--context', 'member1', 'top', 'pods', '-A']);
      // no pods may run yet: kubectl says so on stderr, and exits 0 either way
      expect(pods.code, pods.stderr).toBe(0);
    });

    it("the kubelet's /metrics through nodes/proxy", async () => {
      const e = env();
      const path = '/api/v1/nodes/member1-node-1/proxy/metrics';
      const r = await e.kubectl(['--context', 'member1', 'get', '--raw', path]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^# TYPE kubelet_pod_start_duration_seconds histogram$/m);
    });

    it("the resolver's cache hits rise under repeated dig of one name", async () => {
      const e = env();
      const resolver = readFileSync(join(e.state, 'resolver'), 'utf8').trim();
      const metrics = readFileSync(join(e.state, 'resolver-metrics'), 'utf8').trim();
      const scrape = async (): Promise<string> => (await fetch(`http://${metrics}/metrics`)).text();
      const [host, port] = [
        resolver.slice(0, resolver.lastIndexOf(':')),
        resolver.slice(resolver.lastIndexOf(':') + 1),
      ];
      const before = sample(await scrape(), 'dns_cache_hits_total');
      for (let i = 0; i < 10; i++) {
        const { stdout } = await run(
          'dig',
          [
            '@' + host,
            '-p',
            port,
            '+short',
            '+time=2',
            '+tries=1',
            'kubernetes.default.svc.member1.flotilla.local',
          ],
          { timeout: 10_000 },
        );
        expect(stdout.trim()).not.toBe('');
      }
      const text = await scrape();
      // two workers, each with its own cache: at most one miss each
      expect(sample(text, 'dns_cache_hits_total')).toBeGreaterThanOrEqual(before + 8);
      expect(sample(text, 'dns_responses_total', { rcode: 'NOERROR' })).toBeGreaterThanOrEqual(10);
    });

    it('every process of <state>/metrics-endpoints answers; the federation controller manager shows its queues and Cluster health', async () => {
      const lines = readFileSync(join(env().state, 'metrics-endpoints'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      const names = lines.map(([name]) => name);
      for (const want of [
        'federation-controller-manager',
        'member1-controller-manager',
        'member1-cluster-dns',
        'promotion-service',
        'promotion-worker-1',
      ]) {
        expect(names).toContain(want);
      }
      const texts = new Map<string, string>();
      for (const [name = '', url = ''] of lines) {
        expect(url, name).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
        const res = await fetch(url);
        expect(res.status, `${name} ${url}`).toBe(200);
        const text = await res.text();
        // every process exposes some series (the Prometheus text format's TYPE lines)
        expect(text, name).toMatch(/^# TYPE \w+ (counter|gauge|histogram|summary)$/m);
        texts.set(name, text);
      }
      for (const name of ['member1-cluster-dns', 'promotion-service', 'promotion-worker-1']) {
        expect(texts.get(name), name).toMatch(/^process_cpu_user_seconds_total \d/m);
      }
      expect(texts.get('promotion-service')).toMatch(
        /^flotilla_promotion_notifications_total\{result="accepted"\} \d+$/m,
      );
      const fcm = texts.get('federation-controller-manager') ?? '';
      expect(fcm).toMatch(/^workqueue_depth\{name="binding-controller"\} \d+$/m);
      expect(fcm).toMatch(/^flotilla_cluster_ready\{cluster="member1"\} 1$/m);
    });

    it('examples/metrics.sh shows all of it', async () => {
      const r = await env().example('metrics.sh', [], { timeoutMs: 180_000 });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/^federation: apiserver_request_total\{/m);
      expect(r.stdout).toMatch(/^member1: workqueue_depth\{/m);
      expect(r.stdout).toMatch(/^alice: .*Forbidden/m);
      expect(r.stdout).toMatch(/^member1-node-1\s+\d+m/m);
      expect(r.stdout).toMatch(/^metrics-demo-\d+\s+demo\s+\d+m\s+\d+Mi/m);
      expect(r.stdout).toMatch(/kubelet_pod_start_duration_seconds_count [1-9]/);
      expect(r.stdout).toMatch(/^dns_cache_hits_total: \d+ -> \d+/m);
      expect(r.stdout).toMatch(/^federation-controller-manager: workqueue_depth\{/m);
      expect(r.stdout).toMatch(/^member1-controller-manager: scheduler_schedule_attempts_total\{/m);
      expect(r.stdout).toMatch(/^metrics: ok$/m);
    }, 200_000);
  });
}
