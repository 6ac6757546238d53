/**
 * Brings up a local federation: etcd, dockerd, a local image registry, the federation control plane
 * and N member clusters with Docker kubelets, joined to the federation. Writes .flotilla/kubeconfig
 * (contexts: federation, member1, member2, ...) and ~/.flotilla/config for the CLI.
 *   node dist/hack/local-up.js [--detach] [--members 2] [--nodes 2] [--runtime docker|hollow] [--state DIR]
 * With --detach it starts itself in the background and returns once everything is ready.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './lib/repo-root.js';
import { runCli } from '../federation/cli/run-cli.js';
import { kubeconfigFor } from '../machinery/client/kubeconfig.js';
import { FederationControlPlane } from '../federation/server/federation-control-plane.js';
import { MemberCluster } from '../member/cluster/member-cluster.js';
import { createClusterDns } from '../dns/index.js';
import { freePort } from './lib/ports.js';
import { registryResourceTypes, REPLICATION_POLICIES } from '../registry/index.js';
import { dataProtectionFiles } from './lib/data-protection-files.js';
import { startPromotion } from './lib/promotion.js';
import { bindClusterRole } from './lib/rbac-bindings.js';
import { registryBootstrapPolicy } from '../registry/rbac/registry-bootstrap-policy.js';
import { startResolverProcess } from './lib/resolver-process.js';
import {
  buildBusyboxImage,
  ensureDockerd,
  startEtcd,
  startRedis,
  startRegistry,
} from './lib/services.js';

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
Logs: ${join(state, 'local-up.log')}   Stop: npm run down${defaultState ? '' : ` -- --state ${state}`}`);
}

async function up(): Promise<void> {
  mkdirSync(state, { recursive: true });
  writeFileSync(pidFile, String(process.pid));
  // Every bring-up starts from an empty store: ports are new each time, so Cluster objects and
  // member state left from an earlier run would point at servers that no longer exist.
  rmSync(join(state, 'etcd'), { recursive: true, force: true });
  // etcd serves clients over TLS and only accepts certificates of its own CA (state/etcd-pki)
  const etcd = await startEtcd({
    dataDir: join(state, 'etcd'),
    logFile: join(state, 'etcd.log'),
    tls: true,
    tlsDir: join(state, 'etcd-pki'),
  });
  const docker = values.runtime === 'docker' ? await ensureDockerd() : undefined;
  const registry = await startRegistry({ logFile: join(state, 'registry.log') });
  let image = 'flotilla/busybox:latest';
  if (docker) {
    const env = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
    const local = buildBusyboxImage(docker.socketPath);
    image = `${registry.host}/flotilla/busybox:1`;
    execFileSync('docker', ['tag', local, image], { env });
    execFileSync('docker', ['push', image], { env, stdio: 'ignore' });
  }
  // Image promotion: two users who request and approve (client certificates, in the kubeconfig
  // below), and the promotion service's own identity (a system user with a bearer token: only it
  // and the approval subresource may move a request's phase).
  const tokens = { promotion: randomBytes(16).toString('hex') };
  const fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    // Secrets encrypted at rest, etcd client TLS, audit log in state/audit/federation.log
    ...(etcd.tls ? { etcdTls: etcd.tls } : {}),
    ...dataProtectionFiles(state, 'federation'),
    port: await freePort(),
    extraResources: registryResourceTypes,
    // promotion roles; `system:promotion` is bound to what the PromotionService needs
    rbacPolicy: registryBootstrapPolicy(),
    users: { [tokens.promotion]: 'system:promotion' },
  });
  await fed.start();
  await bindClusterRole(fed.client(), 'promotion-requester', ['alice', 'bob']);
  await bindClusterRole(fed.client(), 'promotion-approver', ['bob']);
  // the copy queue's redis needs a password; alice and bob `docker login` to the promotion
  // registries with generated passwords (their federation identity is a client certificate)
  const redisPassword = randomBytes(16).toString('hex');
  const registryUsers = {
    alice: randomBytes(16).toString('hex'),
    bob: randomBytes(16).toString('hex'),
  };
  const redis = await startRedis({ logFile: join(state, 'redis.log'), password: redisPassword });
  const promotion = await startPromotion({
    fed,
    systemToken: tokens.promotion,
    redis: { host: redis.host, port: redis.port, password: redisPassword },
    environments: ['dev', 'prod'],
    registryUsers,
    logDir: state,
    // dev, prod, the token realm and the notification receiver serve https with a CA made here
    // (state/registry-ca.crt); the member image registry above stays plain HTTP (docs/registry.md)
    tls: true,
  });
  writeFileSync(join(state, 'registry-ca.crt'), promotion.ca ?? '');
  writeFileSync(
    join(state, 'registry-users'),
    Object.entries(registryUsers)
      .map(([u, pw]) => `${u}=${pw}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const admin = fed.client();
  // a push to dev asks for promotion to prod; bob (release-manager) approves
  await admin.resource(REPLICATION_POLICIES).create({
    apiVersion: 'registry.flotilla.io/v1alpha1',
    kind: 'ReplicationPolicy',
    metadata: { name: 'dev-to-prod' },
    spec: {
      source: 'dev',
      target: 'prod',
      mode: 'OneWay',
      repositories: ['**'],
      requiresApproval: true,
      approvers: [{ role: 'release-manager', users: ['bob'] }],
    },
  });
  writeFileSync(
    join(state, 'registries'),
    Object.entries(promotion.registries)
      .map(([env, r]) => `${env}=${r.host}\n`)
      .join('') +
      // entries stay host:port (image references); the scheme is https, verified with ca-file
      `token-realm=${promotion.tokens.realm}\nca-file=${join(state, 'registry-ca.crt')}\n`,
  );
  const members: MemberCluster[] = [];
  for (let i = 1; i <= memberCount; i++) {
    const m = new MemberCluster({
      name: `member${String(i)}`,
      etcdEndpoint: etcd.endpoint,
      ...(etcd.tls ? { etcdTls: etcd.tls } : {}),
      ...dataProtectionFiles(state, `member${String(i)}`),
      nodes: nodeCount,
      runtime: values.runtime === 'hollow' ? 'hollow' : 'docker',
      ...(docker ? { dockerSocketPath: docker.socketPath } : {}),
      nodeAddressPrefix: `127.0.${String(100 + i)}.`,
      port: await freePort(),
      kubeconfigPath: join(state, `member${String(i)}.kubeconfig`),
      dns: createClusterDns,
      dnsPort: await freePort(),
      clusterDomain: `member${String(i)}.${FEDERATION_ZONE}`,
    });
    await m.start();
    members.push(m);
  }
  // every identity authenticates with a client certificate of its cluster's CA (CN = user,
  // O = groups); the admins are in system:masters
  const fedUser = (name: string, clientCert: { cert: string; key: string }) => ({
    name,
    server: fed.url,
    clientCert,
    caCert: fed.cert.cert,
  });
  const kubeconfig = kubeconfigFor(
    fedUser('federation', fed.adminCert),
    fedUser('federation-alice', fed.auth.clientCert('alice')),
    fedUser('federation-bob', fed.auth.clientCert('bob')),
    ...members.map((m) => ({
      name: m.opts.name,
      server: m.url,
      clientCert: m.adminCert,
      caCert: m.cert.cert,
    })),
  );
  writeFileSync(join(state, 'kubeconfig'), kubeconfig);
  if (defaultState) {
    // the CLI's default config, so `npm run flotilla -- get clusters` works without flags
    mkdirSync(join(homedir(), '.flotilla'), { recursive: true });
    writeFileSync(join(homedir(), '.flotilla', 'config'), kubeconfig);
  }
  for (const m of members) {
    // every bring-up starts from an empty store, so any failed join (even "already joined") is a
    // broken set-up: stop with the CLI's own message instead of running without the member
    let joinErr = '';
    const code = await runCli(
      [
        '--kubeconfig',
        join(state, 'kubeconfig'),
        'join',
        m.opts.name,
        '--member-kubeconfig',
        join(state, `${m.opts.name}.kubeconfig`),
        '--dns-zone',
        m.opts.clusterDomain ?? '',
        '--dns-server',
        `${m.dnsAddress?.host ?? '127.0.0.1'}:${String(m.dnsAddress?.port ?? 0)}`,
      ],
      {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => {
          joinErr += s;
          process.stderr.write(s);
        },
        env: process.env,
      },
    );
    if (code !== 0) {
      throw new Error(`join ${m.opts.name} failed (exit ${String(code)}): ${joinErr.trim()}`);
    }
  }
  // The central resolver: routes follow the Cluster objects' spec.dns; federation-wide names
  // <svc>.<ns>.fleet.svc.flotilla.local and <svc>.<ns>.svc.clusterset.local span every member.
  // Its own process (the built flotilla-resolver) with two workers on one port (SO_REUSEPORT).
  const dns = await startResolverProcess({
    root,
    kubeconfig: join(state, 'kubeconfig'),
    context: 'federation',
    federation: 'fleet',
    zone: FEDERATION_ZONE,
    // each member's nodes live on 127.0.(100+i).x: a client there prefers its own cluster
    clientClusters: members.map((_, i) => `127.0.${String(101 + i)}.0/24=member${String(i + 1)}`),
    workers: 2,
    logFile: join(state, 'resolver.log'),
  });
  writeFileSync(join(state, 'resolver'), `${dns.host}:${String(dns.port)}`);
  // Prometheus scrape target of the resolver (its workers' counters summed by the primary)
  writeFileSync(join(state, 'resolver-metrics'), `${dns.host}:${String(dns.metricsPort)}`);
  writeFileSync(join(state, 'image'), image);
  writeFileSync(
    readyFile,
    `federation ${fed.url}, ${String(memberCount)} members x ${String(nodeCount)} ${String(values.runtime)} nodes, image ${image}, DNS resolver ${dns.host}:${String(dns.port)}`,
  );
  console.log('ready');
  const shutdown = async (): Promise<void> => {
    console.log('stopping');
    rmSync(readyFile, { force: true });
    await dns.stop();
    for (const m of members) await m.stop();
    await fed.stop();
    await promotion.stop();
    await redis.stop();
    await registry.stop();
    await etcd.stop();
    await docker?.stop();
    rmSync(pidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

if (values.detach) await detach();
else await up();
