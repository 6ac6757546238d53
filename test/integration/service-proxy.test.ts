// The service proxy (flotilla-service-proxy's run function, as the binary runs it) against a real
// member (etcd, API server with --service-cluster-ip-range in 127/8, controllers, one hollow
// kubelet): selector-less Services with hand-written Endpoints pointing at plain node:http and UDP
// echo servers on two 127.x addresses. The proxy reads EndpointSlices only: the controller
// manager's EndpointSliceMirroring controller mirrors those Endpoints into slices. ClusterIP
// traffic is balanced over both, an Endpoints change is served (through its mirrored slice) within
// a second, ClientIP affinity sticks, UDP and NodePort work, and a Service whose
// ClusterIP lies outside 127.0.0.0/8 gets no listener.
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS, SERVICES, type Endpoints, type Service } from '../../api/index.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { isLoopback } from '../../machinery/cmd/flags.js';
import { createLogger } from '../../machinery/log/logger.js';
import { KUBE_PROXY_USER } from '../../member/cluster/member-bootstrap-policy.js';
import type { MemberCluster } from '../../member/cluster/member-cluster.js';
import { parseServiceProxyArgs, runServiceProxy } from '../../member/cmd/service-proxy-run.js';
import { validateServiceProxyOptions } from '../../member/cmd/service-proxy-validate-options.js';
import type { ServiceProxy } from '../../member/proxy/service-proxy.js';
import { startHollowMember, type HollowMember } from '../support/hollow-member.js';

const RANGE = '127.9.77.0/24';
const BACKENDS = ['127.9.78.1', '127.9.78.2'];
let env: HollowMember;
let member: MemberCluster;
let proxy: ServiceProxy;
let metricsAddress: string | undefined;
const abort = new AbortController();
let proxyDone: Promise<void> | undefined;
const servers: Server[] = [];
const udpBackends: ReturnType<typeof createSocket>[] = [];
const ports = new Map<string, number>();
let udpPort = 0;
const poll = { timeout: 15_000, interval: 50 };

/** GET http://host:port/ on a fresh connection: the backend's name, or the error code. */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function udpAsk(host: string, port: number, msg: string): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve('timeout');
    }, 1000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.bind(0, '127.0.0.1', () => s.send(msg, port, host));
  });
}

const svc = (name: string, spec: Partial<Service['spec']> & Record<string, unknown>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec },
});

const endpoints = (name: string, ips: string[], protocol: 'TCP' | 'UDP' = 'TCP'): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name, namespace: 'default' },
  subsets: [
    {
      addresses: ips.map((ip) => ({ ip })),
      ports: [
        protocol === 'TCP'
          ? { name: 'http', port: ports.get(ips[0] ?? '') ?? 0, protocol }
          : { name: 'dns', port: udpPort, protocol },
      ],
    },
  ],
});

async function create(s: Service, ep: Endpoints): Promise<Service> {
  const c = member.client();
  const made = await c.resource<Service>(SERVICES, 'default').create(s);
  await c.resource<Endpoints>(ENDPOINTS, 'default').create(ep);
  return made;
}

beforeAll(async () => {
  // two plain HTTP backends on the same port number of two loopback addresses
  const first = createServer((_req, res) => res.end(BACKENDS[0]));
  await new Promise<void>((r) => first.listen(0, BACKENDS[0], r));
  const port = (first.address() as { port: number }).port;
  const second = createServer((_req, res) => res.end(BACKENDS[1]));
  await new Promise<void>((r) => second.listen(port, BACKENDS[1], r));
  servers.push(first, second);
  for (const ip of BACKENDS) ports.set(ip, port);
  const echo = createSocket('udp4');
  echo.on('message', (m, r) => echo.send(`echo:${m.toString()}`, r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, BACKENDS[0], r));
  udpPort = echo.address().port;
  udpBackends.push(echo);

  env = await startHollowMember('flotilla-service-proxy-', {
    name: 'it-proxy',
    nodes: 1,
    clusterIndex: 83,
    serviceClusterIpRange: RANGE,
    kubelet: { heartbeatMs: 300, syncPeriodMs: 200 },
  });
  ({ member } = env);
  // the proxy's own identity (system:kube-proxy), as hack/lib/local-member.ts gives it
  const kubeconfig = join(env.dir, 'service-proxy.kubeconfig');
  writeFileSync(
    kubeconfig,
    kubeconfigFor({
      name: 'it-proxy',
      server: member.url,
      clientCert: member.auth.clientCert(KUBE_PROXY_USER),
      caCert: member.cert.cert,
    }),
  );
  const { opts } = parseServiceProxyArgs([
    ...['--kubeconfig', kubeconfig, '--metrics-bind-address', '127.0.0.1:0'],
    ...['--bind-retry-interval', '100ms', '--udp-idle-timeout', '2s'],
  ]);
  expect(validateServiceProxyOptions(opts)).toEqual([]);
  let started: (p: ServiceProxy) => void = () => undefined;
  const ready = new Promise<ServiceProxy>((r) => (started = r));
  proxyDone = runServiceProxy(
    opts,
    abort.signal,
    createLogger({ component: 'service-proxy', level: 'warn' }),
    (p, m) => {
      metricsAddress = m;
      started(p);
    },
  );
  proxy = await ready;
});

afterAll(async () => {
  abort.abort();
  await proxyDone;
  await env?.stop();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  for (const s of udpBackends) s.close();
});

describe('service proxy', () => {
  it('serves kubernetes on the range first address', async () => {
    // the API server creates both right after it starts
    const ipOf = (ns: string, name: string) => () =>
      member
        .client()
        .resource<Service>(SERVICES, ns)
        .get(name)
        .then(
          (s) => s.spec.clusterIP,
          () => undefined,
        );
    await expect.poll(ipOf('default', 'kubernetes'), poll).toBe('127.9.77.1');
    await expect.poll(ipOf('kube-system', 'kube-dns'), poll).toBe('127.9.77.10');
    await expect
      .poll(
        () =>
          new Promise<boolean>((resolve) => {
            const s = connect(443, '127.9.77.1', () => {
              s.destroy();
              resolve(true);
            });
            s.on('error', () => resolve(false));
          }),
        poll,
      )
      .toBe(true);
  });

  it('balances ClusterIP traffic over both endpoints and follows an Endpoints change < 1 s', async () => {
    const s = await create(svc('web', {}), endpoints('web', BACKENDS));
    const ip = s.spec.clusterIP ?? '';
    expect(ip).toMatch(/^127\.9\.77\./);
    await expect.poll(() => get(ip, 80), poll).toMatch(/^127\.9\.78\./);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(await get(ip, 80));
    expect([...seen].sort()).toEqual(BACKENDS);

    const rc = member.client().resource<Endpoints>(ENDPOINTS, 'default');
    const cur = await rc.get('web');
    const t0 = performance.now();
    await rc.update({
      ...structuredClone(cur),
      subsets: endpoints('web', [BACKENDS[1] ?? '']).subsets ?? [],
    });
    // served once two requests in a row land on the only endpoint left (round robin would alternate)
    let streak = 0;
    while (streak < 2 && performance.now() - t0 < 5000) {
      streak = (await get(ip, 80)) === BACKENDS[1] ? streak + 1 : 0;
    }
    expect(performance.now() - t0).toBeLessThan(1000);
    // no ready endpoint: the connection is closed at once
    const none = await rc.get('web');
    await rc.update({ ...structuredClone(none), subsets: [] });
    await expect.poll(() => get(ip, 80), poll).toMatch(/ECONNRESET|socket hang up|error/);
  });

  it('keeps a client on one endpoint with ClientIP affinity', async () => {
    const s = await create(
      svc('sticky', {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      }),
      endpoints('sticky', BACKENDS),
    );
    const ip = s.spec.clusterIP ?? '';
    await expect.poll(() => get(ip, 80), poll).toMatch(/^127\.9\.78\./);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(await get(ip, 80));
    expect(seen.size).toBe(1);
  });

  it('forwards UDP per client session', async () => {
    const s = await create(
      svc('echo', { ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: udpPort }] }),
      endpoints('echo', [BACKENDS[0] ?? ''], 'UDP'),
    );
    const ip = s.spec.clusterIP ?? '';
    await expect.poll(() => udpAsk(ip, 53, 'ping'), poll).toBe('echo:ping');
    expect(await udpAsk(ip, 53, 'again')).toBe('echo:again');
  });

  it('serves a NodePort on the node address', async () => {
    const s = await create(svc('np', { type: 'NodePort' }), endpoints('np', BACKENDS));
    const nodePort = s.spec.ports?.[0]?.nodePort ?? 0;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    await expect.poll(() => get(member.nodeAddress(0), nodePort), poll).toMatch(/^127\.9\.78\./);
  });

  it('never listens outside 127.0.0.0/8', async () => {
    await create(svc('virtual', { clusterIP: '10.96.5.5' }), endpoints('virtual', BACKENDS));
    await expect
      .poll(() => proxy.status().some((f) => f.servicePort.startsWith('default/np')), poll)
      .toBe(true);
    // the informer has seen `virtual` (created after np) once the sync after it ran
    await new Promise((r) => setTimeout(r, 500));
    const keys = proxy.status().map((f) => f.key);
    expect(keys.some((k) => k.includes('10.96.5.5'))).toBe(false);
    expect(keys.every((k) => isLoopback(k.replace(/^\w+\//, '').replace(/:\d+$/, '')))).toBe(true);
    const metrics = await new Promise<string>((resolve) => {
      request(`http://${metricsAddress ?? ''}/metrics`, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b));
      }).end();
    });
    expect(metrics).toContain('kubeproxy_sync_proxy_rules_duration_seconds');
    expect(metrics).toMatch(
      /kubeproxy_frontends\{protocol="TCP",kind="NodePort",state="listening"\} 1/,
    );
  });
});
