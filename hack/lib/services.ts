/**
 * Starts the real system services Flotilla depends on (etcd, redis-server, docker-registry, dockerd)
 * on 127.0.0.1 with temporary data directories (docker-registry: hack/lib/registry-service.ts). Used by test/support (integration and e2e tests),
 * by the benchmarks, and by hack/local-up.ts. Every function fails with a clear message when the
 * binary is missing (run `npm run setup`), never silently.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { processAlive } from '../../machinery/util/lock-file.js';
import { DaemonUsers } from './daemon-users.js';
import { makeEtcdPki } from './etcd-pki.js';
import { ManagedProcess } from './managed-process.js';
import { freePort, waitFor } from './ports.js';
import { httpOk, requireBinary, tempDir, type RunningService } from './service-util.js';

export { tempDir, type RunningService } from './service-util.js';
// a 1- or 3-member etcd cluster (member stop/kill/restart) lives in its own module
export {
  etcdHealthy,
  planEtcdCluster,
  startEtcdCluster,
  type EtcdCluster,
  type EtcdClusterOptions,
  type EtcdClusterPlan,
  type EtcdMemberHandle,
  type EtcdMemberPlan,
} from './etcd-cluster.js';
// the registry launcher lives in its own module; these names stay importable from here
export {
  makeRegistryTls,
  startRegistry,
  type RegistryOptions,
  type RegistryService,
  type RegistryTls,
} from './registry-service.js';

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => {
      resolve(false);
    });
  });
}

/** A running etcd. */
export interface EtcdService extends RunningService {
  endpoint: string;
  dataDir: string;
  /** Client credentials (PEM) when started with `tls`: the CA, a client certificate and key. */
  tls?: { ca: string; cert: string; key: string };
}

/** Options for {@link startEtcd}. */
export interface EtcdOptions {
  dataDir?: string;
  logFile?: string;
  /**
   * Serve clients over TLS and require a client certificate (`--client-cert-auth`); the CA and
   * certificates are made in `tlsDir`. @defaultValue false
   */
  tls?: boolean;
  /** Where the TLS certificates go. @defaultValue a new temporary folder */
  tlsDir?: string;
}

/** Starts a single-member etcd on 127.0.0.1 (client TLS with client-cert auth when `tls`). */
export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdService> {
  const bin = requireBinary('etcd');
  const dataDir = opts.dataDir ?? tempDir('flotilla-etcd');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const tlsDir = opts.tls ? (opts.tlsDir ?? tempDir('flotilla-etcd-pki')) : undefined;
  const pki = tlsDir !== undefined ? makeEtcdPki(tlsDir) : undefined;
  const endpoint = `${pki ? 'https' : 'http'}://127.0.0.1:${String(clientPort)}`;
  const tlsArgs = pki
    ? [
        '--cert-file',
        pki.serverCertFile,
        '--key-file',
        pki.serverKeyFile,
        '--trusted-ca-file',
        pki.caFile,
        '--client-cert-auth',
      ]
    : [];
  const proc = new ManagedProcess({
    command: bin,
    args: [
      '--name',
      'flotilla',
      '--data-dir',
      dataDir,
      '--listen-client-urls',
      endpoint,
      '--advertise-client-urls',
      endpoint,
      '--listen-peer-urls',
      `http://127.0.0.1:${String(peerPort)}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${String(peerPort)}`,
      '--initial-cluster',
      `flotilla=http://127.0.0.1:${String(peerPort)}`,
      '--quota-backend-bytes',
      String(4 * 1024 * 1024 * 1024),
      '--logger',
      'zap',
      '--log-level',
      'warn',
      ...tlsArgs,
    ],
    logFile: opts.logFile ?? join(dataDir, 'etcd.log'),
    env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
  });
  await waitFor('etcd to become healthy', async () => {
    if (!proc.running) throw new Error(`etcd exited; see ${proc.logFile}`);
    return httpOk(`${endpoint}/health`, pki?.client);
  });
  return {
    endpoint,
    dataDir,
    ...(pki ? { tls: pki.client } : {}),
    stop: async () => {
      await proc.stop();
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      if (opts.tls && opts.tlsDir === undefined && tlsDir !== undefined) {
        rmSync(tlsDir, { recursive: true, force: true });
      }
    },
  };
}

/** A running redis-server. */
export interface RedisService extends RunningService {
  host: string;
  port: number;
  /** The `requirepass` password, when started with one. */
  password?: string;
  url: string;
}

/**
 * Starts redis-server on 127.0.0.1 without persistence; with `password`, clients must AUTH
 * (`requirepass`) before any command, so nobody without it can put a job into a queue.
 */
export async function startRedis(
  opts: { logFile?: string; password?: string } = {},
): Promise<RedisService> {
  const bin = requireBinary('redis-server');
  const dir = tempDir('flotilla-redis');
  const port = await freePort();
  // the password goes into a config file only the owner can read, not onto the command line (ps)
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, opts.password !== undefined ? `requirepass ${opts.password}\n` : '', {
    mode: 0o600,
  });
  const proc = new ManagedProcess({
    command: bin,
    args: [
      conf,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    logFile: opts.logFile ?? join(dir, 'redis.log'),
  });
  await waitFor('redis-server to listen', async () => {
    if (!proc.running) throw new Error(`redis-server exited; see ${proc.logFile}`);
    return tcpOpen('127.0.0.1', port);
  });
  return {
    host: '127.0.0.1',
    port,
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    url: `redis://127.0.0.1:${String(port)}`,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A dockerd reachable over a unix socket. */
export interface DockerService extends RunningService {
  socketPath: string;
}

/** Where the project's own dockerd lives (one per machine; docker0 cannot be shared by two daemons). */
export const DOCKER_ROOT = process.env.FLOTILLA_DOCKER_ROOT ?? '/var/lib/flotilla-docker';

/**
 * Returns the project's dockerd, starting it when it is not running. It is shared by every process
 * of the machine that asks for it (test files running side by side, local-up): each registers as
 * a user, and the last user's `stop()` stops a daemon one of them started; one that was running
 * before any of them (started by hand) is left alone. The daemon runs detached, so it outlives the
 * process that started it while others use it.
 */
export async function ensureDockerd(): Promise<DockerService> {
  const bin = requireBinary('dockerd');
  const socketPath = join(DOCKER_ROOT, 'docker.sock');
  const pidFile = join(DOCKER_ROOT, 'docker.pid');
  /** Present while the running daemon was started here (by ensureDockerd). */
  const startedHere = join(DOCKER_ROOT, 'started-by-flotilla');
  const ping = (): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => {
        resolve(false);
      });
      req.on('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.end();
    });
  mkdirSync(DOCKER_ROOT, { recursive: true });
  const users = new DaemonUsers(DOCKER_ROOT);
  const entry = await users.locked(async () => {
    const me = users.join();
    try {
      if (!(await ping())) {
        await startDockerd(bin, socketPath, pidFile, ping);
        writeFileSync(startedHere, '');
      }
    } catch (err) {
      users.leave(me);
      throw err;
    }
    return me;
  });
  return {
    socketPath,
    stop: () =>
      users.locked(async () => {
        users.leave(entry);
        if (!existsSync(startedHere) || users.live().length > 0) return;
        if (existsSync(pidFile)) {
          await stopPid(Number(readFileSync(pidFile, 'utf8').trim()), 15_000);
        }
        rmSync(startedHere, { force: true });
      }),
  };
}

/** Starts dockerd detached (its output appended to dockerd.log) and waits until it answers. */
async function startDockerd(
  bin: string,
  socketPath: string,
  pidFile: string,
  ping: () => Promise<boolean>,
): Promise<void> {
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && processAlive(pid)) {
      throw new Error(
        `dockerd (pid ${String(pid)}) owns ${DOCKER_ROOT} but does not answer on ${socketPath}`,
      );
    }
    rmSync(pidFile, { force: true });
  }
  const logFile = join(DOCKER_ROOT, 'dockerd.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    bin,
    [
      '--data-root',
      join(DOCKER_ROOT, 'data'),
      '--exec-root',
      join(DOCKER_ROOT, 'exec'),
      '--pidfile',
      pidFile,
      '-H',
      `unix://${socketPath}`,
      '--insecure-registry',
      '127.0.0.0/8',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  await waitFor(
    'dockerd to answer /_ping',
    async () => {
      if (child.pid === undefined || !processAlive(child.pid)) {
        throw new Error(`dockerd exited; see ${logFile}`);
      }
      return ping();
    },
    60_000,
    250,
  );
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!(pid > 0) || !processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  while (processAlive(pid)) await new Promise((r) => setTimeout(r, 50));
}

/**
 * The image's command: httpd on 8080 under a shell that exits on SIGTERM. A process that runs as
 * PID 1 without a handler never sees SIGTERM, so a pod of `httpd -f` alone would wait out its whole
 * termination grace period (30 s) on every deletion.
 */
const SERVE_CMD = ['/bin/sh', '-c', 'trap "exit 0" TERM; httpd -f -p 8080 -h /www & wait'];

/**
 * Builds a tiny busybox-static image (httpd, sh, wget, nslookup...) with `docker import` — nothing is
 * pulled from the internet — and returns its local tag. Idempotent: an image of that tag with
 * another command (an older build) is built again.
 */
export function buildBusyboxImage(socketPath: string, tag = 'flotilla/busybox:latest'): string {
  const env = { ...process.env, DOCKER_HOST: `unix://${socketPath}` };
  try {
    const cmd = execFileSync('docker', ['image', 'inspect', '-f', '{{json .Config.Cmd}}', tag], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // Go's JSON escapes `&` as \u0026: compare the parsed command
    if (JSON.stringify(JSON.parse(cmd.toString())) === JSON.stringify(SERVE_CMD)) return tag;
  } catch {
    // not built yet
  }
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (busybox === undefined) {
    throw new Error('busybox-static is not installed: run `npm run setup`');
  }
  const root = tempDir('flotilla-busybox');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'www'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  execFileSync('cp', [busybox, join(root, 'bin', 'busybox')]);
  const applets = [
    'sh',
    'httpd',
    'ls',
    'cat',
    'echo',
    'sleep',
    'wget',
    'nslookup',
    'env',
    'true',
    'false',
    'hostname',
    'ps',
    'kill',
    'date',
    'touch',
    'rm',
    'mkdir',
    'nc',
  ];
  for (const a of applets) execFileSync('ln', ['-s', 'busybox', join(root, 'bin', a)]);
  writeFileSync(join(root, 'www', 'index.html'), 'hello from flotilla\n');
  execFileSync(
    'sh',
    [
      '-c',
      `tar -C '${root}' -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ${JSON.stringify(SERVE_CMD).replaceAll("'", "'\\''")}' - '${tag}'`,
    ],
    { env, stdio: 'ignore' },
  );
  rmSync(root, { recursive: true, force: true });
  return tag;
}
