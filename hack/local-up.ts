/**
 * Brings up a local federation as separate processes (hack/lib/local-federation.ts): one etcd per
 * cluster, the federation API server(s) and controller manager(s), and per member its API server,
 * controller manager, one kubelet per node and the cluster DNS; then redis, the registries and the
 * promotion service and workers, the joins, and the central resolver. A supervisor restarts any
 * crashed component with back-off (`npm run local -- ps|stop|start|kill`). Writes
 * .flotilla/kubeconfig (contexts: federation, federation-alice, federation-bob, member1, ...) and
 * ~/.flotilla/config for the CLI.
 *   node dist/hack/local-up.js [--detach] [--members 2] [--nodes 2] [--runtime docker|hollow]
 *     [--etcd-members 1|3] [--api-servers N] [--controller-managers N] [--state DIR]
 * With --detach it starts itself in the background and returns once everything is ready.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './lib/repo-root.js';
import { clientOptionsFor, kubeconfigFor, loadKubeconfig } from '../machinery/client/kubeconfig.js';
import { RestClient } from '../machinery/client/rest-client.js';
import { bindClusterRole } from './lib/rbac-bindings.js';
import { resolverProcess } from './lib/resolver-process.js';
import { joinMembers, randomToken, startLocalFederation } from './lib/local-federation.js';
import { startLocalPromotion } from './lib/local-promotion.js';
import { buildBusyboxImage, ensureDockerd, startRedis, startRegistry } from './lib/services.js';

/** Every member's cluster domain sits under this zone: member1.flotilla.local, ... */
const FEDERATION_ZONE = 'flotilla.local';
const root = repoRoot(import.meta.url);

const { values } = parseArgs({
  options: {
    detach: { type: 'boolean', default: false },
    state: { type: 'string', default: join(root, '.flotilla') },
    members: { type: 'string', default: '2' },
    nodes: { type: 'string', default: '2' },
    runtime: { type: 'string', default: 'docker' },
    'etcd-members': { type: 'string', default: '1' },
    'api-servers': { type: 'string', default: '1' },
    'controller-managers': { type: 'string', default: '1' },
  },
});
/** Kubeconfigs, logs, pid and etcd data; tests point it at a temporary folder. */
const state = resolve(values.state);
const defaultState = state === join(root, '.flotilla');
const readyFile = join(state, 'ready');
const pidFile = join(state, 'local-up.pid');
const memberCount = Number(values.members);
const nodeCount = Number(values.nodes);
if (
  !Number.isInteger(memberCount) ||
  memberCount < 1 ||
  memberCount > 9 ||
  !Number.isInteger(nodeCount) ||
  nodeCount < 1 ||
  nodeCount > 50
) {
  console.error('error: --members must be 1..9 and --nodes 1..50');
  process.exit(2);
}
const etcdMembers = Number(values['etcd-members']);
const apiServers = Number(values['api-servers']);
const controllerManagers = Number(values['controller-managers']);
if (
  (etcdMembers !== 1 && etcdMembers !== 3) ||
  ![apiServers, controllerManagers].every((n) => Number.isInteger(n) && n >= 1 && n <= 3)
) {
  console.error(
    'error: --etcd-members must be 1 or 3, --api-servers and --controller-managers 1..3',
  );
  process.exit(2);
}
if (values.runtime !== 'docker' && values.runtime !== 'hollow') {
  console.error('error: --runtime must be docker or hollow');
  process.exit(2);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function detach(): Promise<void> {
  mkdirSync(state, { recursive: true });
  if (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8')))) {
    console.log(
      `a local federation is already running (pid ${readFileSync(pidFile, 'utf8').trim()}); \`npm run down\` stops it`,
    );
    printInfo();
    return;
  }
  rmSync(readyFile, { force: true });
  const log = openSync(join(state, 'local-up.log'), 'a');
  const args = process.argv.slice(1).filter((a) => a !== '--detach');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: root,
  });
  child.unref();
  const deadline = Date.now() + 180_000;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null || (child.pid !== undefined && !alive(child.pid))) {
      console.error(`error: local-up failed; see ${join(state, 'local-up.log')}`);
      process.exit(1);
    }
    if (Date.now() > deadline) {
      console.error(
        `error: local-up did not become ready in 180 s; see ${join(state, 'local-up.log')}`,
      );
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  printInfo();
}

/** The one-time dashboard URL local-up wrote (empty when there is none). */
function dashboardLine(): string {
  const file = join(state, 'dashboard');
  if (!existsSync(file)) return '';
  const url = readFileSync(file, 'utf8').trim();
  return `Dashboard: ${url} (one-time login; flotilla dashboard prints another)\n`;
}

function printInfo(): void {
  const kc = join(state, 'kubeconfig');
  const [dnsHost = '127.0.0.1', dnsPort = '53'] = readFileSync(join(state, 'resolver'), 'utf8')
    .trim()
    .split(':');
  console.log(`Local federation is up (${readFileSync(readyFile, 'utf8').trim()}).
  export KUBECONFIG=${kc}
  kubectl --context member1 get nodes
  npm run flotilla -- get clusters
  kubectl --context federation apply -f examples/web-divided.yaml
  dig @${dnsHost} -p ${dnsPort} +short web.default.fleet.svc.flotilla.local
${dashboardLine()}Logs: ${join(state, 'logs')}/   Processes: npm run local -- ps   Stop: npm run down${defaultState ? '' : ` -- --state ${state}`}`);
}

async function up(): Promise<void> {
  mkdirSync(state, { recursive: true });
  // a second bring-up on the same state folder would wipe the running federation's stores
  if (existsSync(pidFile)) {
    const running = Number(readFileSync(pidFile, 'utf8'));
    if (running !== process.pid && alive(running)) {
      console.error(
        `error: a local federation is already running in ${state} (pid ${String(running)}); \`npm run down\` stops it`,
      );
      process.exit(1);
    }
  }
  writeFileSync(pidFile, String(process.pid));
  // Every bring-up starts from empty stores and a new PKI: ports are new each time, so Cluster
  // objects and member state left from an earlier run would point at servers that no longer exist.
  for (const dir of ['etcd', 'etcd-pki', 'pki', 'kubeconfigs', 'kubelets']) {
    rmSync(join(state, dir), { recursive: true, force: true });
  }
  // what is started is stopped in reverse order on SIGTERM/SIGINT, and when the set-up fails
  const started: { stop(): Promise<void> }[] = [];
  let stopping = false;
  const shutdown = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      console.log('stopping');
      rmSync(readyFile, { force: true });
      for (const s of started.reverse()) await s.stop();
      rmSync(pidFile, { force: true });
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  try {
    await bringUp(started);
  } catch (err) {
    console.error(err);
    await shutdown(1);
  }
}

/** Starts everything, pushing each stoppable piece onto `started`; writes the ready file. */
async function bringUp(started: { stop(): Promise<void> }[]): Promise<void> {
  const docker = values.runtime === 'docker' ? await ensureDockerd() : undefined;
  if (docker) started.push(docker);
  const registry = await startRegistry({ logFile: join(state, 'logs', 'registry.log') });
  started.push(registry);
  let image = 'flotilla/busybox:latest';
  if (docker) {
    const env = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
    const local = buildBusyboxImage(docker.socketPath);
    image = `${registry.host}/flotilla/busybox:1`;
    execFileSync('docker', ['tag', local, image], { env });
    execFileSync('docker', ['push', image], { env, stdio: 'ignore' });
  }
  // the promotion service's own identity: a system user with a bearer token (token-auth-file)
  const promotionToken = randomToken();
  const local = await startLocalFederation({
    root,
    state,
    members: memberCount,
    nodes: nodeCount,
    runtime: values.runtime === 'hollow' ? 'hollow' : 'docker',
    ...(docker ? { dockerSocket: docker.socketPath } : {}),
    etcdMembers: etcdMembers === 3 ? 3 : 1,
    apiServers,
    controllerManagers,
    zone: FEDERATION_ZONE,
    promotion: { systemToken: promotionToken },
    log: (line) => console.log(line),
  });
  started.push(local);
  const { federation: fed, members, supervisor } = local;
  // alice and bob authenticate with client certificates of the federation CA
  const fedUser = (name: string, user: string) => ({
    name,
    server: fed.urls[0] ?? '',
    clientCert: fed.ids.pki.ca.clientCert(user),
    caCert: fed.ids.pki.ca.cert,
  });
  const kubeconfig = kubeconfigFor(
    {
      name: 'federation',
      server: fed.urls[0] ?? '',
      clientCert: fed.ids.cert('admin'),
      caCert: fed.ids.pki.ca.cert,
    },
    fedUser('federation-alice', 'alice'),
    fedUser('federation-bob', 'bob'),
    ...members.map((m) => ({
      name: m.name,
      server: m.url,
      clientCert: m.ids.cert('admin'),
      caCert: m.ids.pki.ca.cert,
    })),
  );
  writeFileSync(join(state, 'kubeconfig'), kubeconfig, { mode: 0o600 });
  if (defaultState) {
    // the CLI's default config, so `npm run flotilla -- get clusters` works without flags
    mkdirSync(join(homedir(), '.flotilla'), { recursive: true });
    writeFileSync(join(homedir(), '.flotilla', 'config'), kubeconfig, { mode: 0o600 });
  }
  for (const m of members) {
    writeFileSync(join(state, `${m.name}.kubeconfig`), readFileSync(m.adminKubeconfig), {
      mode: 0o600,
    });
  }
  const admin = new RestClient({
    ...clientOptionsFor(loadKubeconfig(join(state, 'kubeconfig'), 'federation')),
    userAgent: 'flotilla-local-up',
  });
  await bindClusterRole(admin, 'promotion-requester', ['alice', 'bob']);
  await bindClusterRole(admin, 'promotion-approver', ['bob']);
  // the copy queue's redis needs a password
  const redisPassword = randomBytes(16).toString('hex');
  const redis = await startRedis({
    logFile: join(state, 'logs', 'redis.log'),
    password: redisPassword,
  });
  const promotion = await startLocalPromotion({
    root,
    state,
    supervisor,
    admin,
    federationKubeconfig: join(state, 'kubeconfig'),
    systemToken: promotionToken,
    redis: { host: redis.host, port: redis.port, password: redisPassword },
    workers: 2,
  });
  // stopped in reverse: every supervised process first, then the registries, then redis
  started.splice(started.indexOf(local), 0, redis, promotion);
  // every bring-up starts from an empty store, so any failed join (even "already joined") is a
  // broken set-up: it stops with the CLI's own message instead of running without the member
  await joinMembers(local, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
  // The central resolver: routes follow the Cluster objects' spec.dns; federation-wide names
  // <svc>.<ns>.fleet.svc.flotilla.local and <svc>.<ns>.svc.clusterset.local span every member.
  // Two workers on one port (SO_REUSEPORT), supervised like every other component.
  const dns = await resolverProcess({
    root,
    kubeconfig: join(state, 'kubeconfig'),
    context: 'federation',
    federation: 'fleet',
    zone: FEDERATION_ZONE,
    // each member's nodes live on 127.0.(100+i).x and its pods in its cluster CIDR: a client
    // there prefers its own cluster
    clientClusters: members.flatMap((m, i) => [
      `127.0.${String(101 + i)}.0/24=${m.name}`,
      `${m.addresses.clusterCidr}=${m.name}`,
    ]),
    workers: 2,
    logFile: join(state, 'logs', 'resolver.log'),
  });
  await supervisor.add(dns.spec);
  writeFileSync(join(state, 'resolver'), `${dns.host}:${String(dns.port)}`);
  // Prometheus scrape target of the resolver (its workers' counters summed by the primary)
  writeFileSync(join(state, 'resolver-metrics'), `${dns.host}:${String(dns.metricsPort)}`);
  // every other process's plain-HTTP /metrics on loopback, `<process> <url>` per line (ports fixed
  // at set-up, so a restarted process answers on the same line)
  writeFileSync(
    join(state, 'metrics-endpoints'),
    [...local.metrics, ...promotion.metrics].map((t) => `${t.process} ${t.url}\n`).join(''),
  );
  writeFileSync(join(state, 'image'), image);
  writeFileSync(join(state, 'runtime'), String(values.runtime));
  // a one-time dashboard login for the set-up's admin (the code is bound to the caller)
  const login = await admin.request<{ url: string }>('POST', '/dashboard/api/login-codes', {});
  // removed first: writeFileSync's mode applies only to a new file
  rmSync(join(state, 'dashboard'), { force: true });
  writeFileSync(join(state, 'dashboard'), `${login.url}\n`, { mode: 0o600 });
  admin.close();
  writeFileSync(
    readyFile,
    `federation ${fed.urls.join(' ')}, ${String(memberCount)} members x ${String(nodeCount)} ${String(values.runtime)} nodes, image ${image}, DNS resolver ${dns.host}:${String(dns.port)}; ${String(supervisor.list().length)} processes (npm run local -- ps)`,
  );
  console.log('ready');
}

if (values.detach) await detach();
else await up();
