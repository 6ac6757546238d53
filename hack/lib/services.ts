/**
 * Starts the real system services Flotilla depends on (etcd, redis-server, docker-registry, dockerd)
 * on 127.0.0.1 with temporary data directories. Used by test/support (integration and e2e tests),
 * by the benchmarks, and by hack/local-up.ts. Every function fails with a clear message when the
 * binary is missing (run `npm run setup`), never silently.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEtcdPki } from './etcd-pki.js';
import { ManagedProcess } from './managed-process.js';
import { freePort, waitFor } from './ports.js';

/** A started service. */
export interface RunningService {
  stop(): Promise<void>;
}

function requireBinary(name: string): string {
  for (const dir of [
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} is not installed: run \`npm run setup\` (apt-get installs it)`);
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
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
}

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

/** Creates a fresh temporary directory under the OS temp dir (or `base`). */
export function tempDir(prefix: string, base?: string): string {
  const root = base ?? tmpdir();
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `${prefix}-`));
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

/** GET over HTTPS with a client certificate; true on any answer below 500. */
function httpsOk(url: string, tls: { ca: string; cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { method: 'GET', timeout: 1000, ...tls }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
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
    return pki ? httpsOk(`${endpoint}/health`, pki.client) : httpOk(`${endpoint}/health`);
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

/** A running CNCF Distribution registry (Debian `docker-registry`). */
export interface RegistryService extends RunningService {
  /** `127.0.0.1:<port>` — the host part of image references. */
  host: string;
  port: number;
  url: string;
  dataDir: string;
  /** Restart on the same port and storage (for "registry down mid-copy" tests). */
  restart(): Promise<void>;
  /** Stop without removing storage. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** Options for {@link startRegistry}. */
export interface RegistryOptions {
  /** URL that receives Distribution push notifications. */
  notifyUrl?: string;
  /** Headers sent with every notification (e.g. the receiver's shared-secret Authorization). */
  notifyHeaders?: Record<string, string>;
  /** htpasswd file content for basic auth (bcrypt entries). */
  htpasswd?: string;
  /**
   * Bearer-token auth (`auth.token`): tokens from `realm`, for audience `service`, signed by
   * `issuer` with a key whose certificate is in `rootCertBundle` (PEM).
   */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  port?: number;
  logFile?: string;
}

/** Starts a docker-registry (Distribution v2) on 127.0.0.1 with filesystem storage and deletes enabled. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryService> {
  const bin = requireBinary('docker-registry');
  const dir = tempDir('flotilla-registry');
  const port = opts.port ?? (await freePort());
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${String(port)}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (opts.htpasswd !== undefined) {
    writeFileSync(join(dir, 'htpasswd'), opts.htpasswd);
    lines.push('auth:', '  htpasswd:', '    realm: flotilla', `    path: ${join(dir, 'htpasswd')}`);
  } else if (opts.token !== undefined) {
    writeFileSync(join(dir, 'token-ca.pem'), opts.token.rootCertBundle);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${opts.token.realm}`,
      `    service: ${opts.token.service}`,
      `    issuer: ${opts.token.issuer}`,
      `    rootcertbundle: ${join(dir, 'token-ca.pem')}`,
    );
  }
  if (opts.notifyUrl !== undefined) {
    lines.push(
      'notifications:',
      '  endpoints:',
      '    - name: flotilla',
      `      url: ${opts.notifyUrl}`,
      '      timeout: 2s',
      '      threshold: 5',
      '      backoff: 1s',
    );
    const headers = Object.entries(opts.notifyHeaders ?? {});
    if (headers.length > 0) {
      lines.push(
        '      headers:',
        ...headers.map(([k, v]) => `        ${k}: [${JSON.stringify(v)}]`),
      );
    }
  }
  const config = join(dir, 'config.yml');
  // the notification secret is in the config: readable by its owner only
  writeFileSync(config, `${lines.join('\n')}\n`, { mode: 0o600 });
  const url = `http://127.0.0.1:${String(port)}`;
  let proc: ManagedProcess | undefined;
  const start = async (): Promise<void> => {
    const p = new ManagedProcess({
      command: bin,
      args: ['serve', config],
      logFile: opts.logFile ?? join(dir, 'registry.log'),
    });
    proc = p;
    await waitFor('docker-registry to serve /v2/', async () => {
      if (!p.running) throw new Error(`docker-registry exited; see ${p.logFile}`);
      return httpOk(`${url}/v2/`);
    });
  };
  await start();
  const kill = async (): Promise<void> => {
    await proc?.stop();
  };
  return {
    host: `127.0.0.1:${String(port)}`,
    port,
    url,
    dataDir: dir,
    start,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
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
 * Returns the project's dockerd, starting it when it is not running. A daemon this call started
 * is stopped by `stop()`; one that was already running (another test run, or local-up) is left alone.
 */
export async function ensureDockerd(): Promise<DockerService> {
  const bin = requireBinary('dockerd');
  const socketPath = join(DOCKER_ROOT, 'docker.sock');
  const pidFile = join(DOCKER_ROOT, 'docker.pid');
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
  if (await ping()) {
    return { socketPath, stop: async () => {} };
  }
  mkdirSync(DOCKER_ROOT, { recursive: true });
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0) {
      try {
        process.kill(pid, 0);
        throw new Error(
          `dockerd (pid ${String(pid)}) owns ${DOCKER_ROOT} but does not answer on ${socketPath}`,
        );
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('dockerd')) throw err;
        rmSync(pidFile, { force: true });
      }
    }
  }
  const proc = new ManagedProcess({
    command: bin,
    args: [
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
    logFile: join(DOCKER_ROOT, 'dockerd.log'),
  });
  await waitFor(
    'dockerd to answer /_ping',
    async () => {
      if (!proc.running) throw new Error(`dockerd exited; see ${proc.logFile}`);
      return ping();
    },
    60_000,
    250,
  );
  return { socketPath, stop: () => proc.stop(15_000) };
}

/**
 * Builds a tiny busybox-static image (httpd, sh, wget, nslookup...) with `docker import` — nothing is
 * pulled from the internet — and returns its local tag. Idempotent.
 */
export function buildBusyboxImage(socketPath: string, tag = 'flotilla/busybox:latest'): string {
  const env = { ...process.env, DOCKER_HOST: `unix://${socketPath}` };
  try {
    execFileSync('docker', ['image', 'inspect', tag], { env, stdio: 'ignore' });
    return tag;
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
      `tar -C '${root}' -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/httpd","-f","-p","8080","-h","/www"]' - '${tag}'`,
    ],
    { env, stdio: 'ignore' },
  );
  rmSync(root, { recursive: true, force: true });
  return tag;
}
