/**
 * A 1- or 3-member etcd cluster on 127.0.0.1 for the local federation and the tests. Every member
 * is its own process with its own data folder and log file; a member can be stopped, SIGKILLed and
 * started again (same data folder, `--initial-cluster-state existing`), which is how the tests
 * check that the federation survives the loss of one etcd.
 *
 * With `tls`, clients must present a certificate from the etcd CA (hack/lib/etcd-pki.ts) and the
 * members talk to each other over mutual TLS with the same serving certificate (it is also a
 * client certificate); without it, client and peer traffic are plain http on loopback.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { makeEtcdPki, type EtcdPki } from './etcd-pki.js';
import { ManagedProcess } from './managed-process.js';
import { freePort, waitFor } from './ports.js';
import { requireBinary, tempDir } from './service-util.js';

/** Client credentials (PEM) for a TLS etcd: the CA, a client certificate and its key. */
export interface EtcdClientTls {
  ca: string;
  cert: string;
  key: string;
}

/** Options for {@link startEtcdCluster} and {@link planEtcdCluster}. */
export interface EtcdClusterOptions {
  /** How many members. @defaultValue 1 */
  members?: 1 | 3;
  /** Parent of the members' data folders (`<dataDir>/<member name>`). @defaultValue a temporary folder, removed by `stop()` */
  dataDir?: string;
  /** Where `<member name>.log` go. @defaultValue `dataDir` */
  logDir?: string;
  /** Client TLS with client-certificate auth, and mutual TLS between members. @defaultValue false */
  tls?: boolean;
  /** Where the certificates go. @defaultValue a temporary folder, removed by `stop()` */
  tlsDir?: string;
  /** Cluster name; members are `<name>-0`, `<name>-1`... (`<name>` alone for one member). @defaultValue 'flotilla' */
  name?: string;
  /** How long to wait for the cluster (or a restarted member) to be healthy. @defaultValue 30000 */
  readyTimeoutMs?: number;
}

/** One member's command line: what a process supervisor needs to run it. */
export interface EtcdMemberPlan {
  name: string;
  /** This member's client URL. */
  endpoint: string;
  dataDir: string;
  logFile: string;
  command: string;
  /** Arguments for the first start (`--initial-cluster-state new`). */
  args: string[];
  /** Arguments for a restart with an existing data folder (`--initial-cluster-state existing`). */
  restartArgs: string[];
  env: Record<string, string>;
  /** True when this member has a leader and answers a quorum read (`GET /health`). */
  healthy(): Promise<boolean>;
}

/** The planned cluster: members, client endpoints and credentials; nothing is started yet. */
export interface EtcdClusterPlan {
  members: EtcdMemberPlan[];
  endpoints: string[];
  tls?: EtcdClientTls;
  /** Removes the temporary folders the plan created (none when `dataDir`/`tlsDir` were given). */
  cleanup(): void;
}

/** Control over one running member. */
export interface EtcdMemberHandle {
  readonly name: string;
  readonly endpoint: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** True while the member's process runs. */
  readonly running: boolean;
  /** The process id, while running. */
  readonly pid: number | undefined;
  /** SIGTERM (SIGKILL after 5 s) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, without waiting: a crash. */
  kill(): void;
  /** Starts the stopped or killed member again on its data folder and waits until it is healthy. */
  start(): Promise<void>;
}

/** A running etcd cluster. */
export interface EtcdCluster {
  /** Every member's client URL (give them all to EtcdStorage). */
  endpoints: string[];
  tls?: EtcdClientTls;
  /** Member `i` (0-based). @throws RangeError for a member that does not exist */
  member(i: number): EtcdMemberHandle;
  /** Stops every member and removes the temporary folders. */
  stop(): Promise<void>;
}

/** GET `<endpoint>/health` and true only on `{"health":"true"}` (a leader and a quorum read). */
export function etcdHealthy(endpoint: string, tls?: EtcdClientTls): Promise<boolean> {
  return new Promise((resolve) => {
    const url = `${endpoint}/health`;
    const req = url.startsWith('https:')
      ? httpsRequest(url, { timeout: 2000, ...(tls ?? {}) })
      : httpRequest(url, { timeout: 2000 });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve(res.statusCode === 200 && /"health"\s*:\s*"true"/.test(body));
      });
      res.on('error', () => {
        resolve(false);
      });
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

function tlsArgs(pki: EtcdPki | undefined): string[] {
  if (!pki) return [];
  const { caFile, serverCertFile: cert, serverKeyFile: key } = pki;
  return [
    ...['--cert-file', cert, '--key-file', key, '--trusted-ca-file', caFile, '--client-cert-auth'],
    ...['--peer-cert-file', cert, '--peer-key-file', key, '--peer-trusted-ca-file', caFile],
    '--peer-client-cert-auth',
  ];
}

/**
 * Allocates ports, folders and certificates and builds every member's command line without
 * starting anything (a supervisor can run the members; {@link startEtcdCluster} does it itself).
 */
export async function planEtcdCluster(opts: EtcdClusterOptions = {}): Promise<EtcdClusterPlan> {
  const bin = requireBinary('etcd');
  const count = opts.members ?? 1;
  const name = opts.name ?? 'flotilla';
  const dataDir = opts.dataDir ?? tempDir('flotilla-etcd');
  const logDir = opts.logDir ?? dataDir;
  const tlsDir = opts.tls ? (opts.tlsDir ?? tempDir('flotilla-etcd-pki')) : undefined;
  const pki = tlsDir !== undefined ? makeEtcdPki(tlsDir) : undefined;
  const scheme = pki ? 'https' : 'http';
  const names =
    count === 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}-${String(i)}`);
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < count; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const peerUrl = (i: number): string => `${scheme}://127.0.0.1:${String(ports[i]?.peer)}`;
  const clientUrl = (i: number): string => `${scheme}://127.0.0.1:${String(ports[i]?.client)}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  mkdirSync(logDir, { recursive: true });
  const env: Record<string, string> = {
    ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch,
  };
  const members = names.map((memberName, i): EtcdMemberPlan => {
    const endpoint = clientUrl(i);
    const memberDir = join(dataDir, memberName);
    const common = [
      ...['--name', memberName, '--data-dir', memberDir],
      ...['--listen-client-urls', endpoint, '--advertise-client-urls', endpoint],
      ...['--listen-peer-urls', peerUrl(i), '--initial-advertise-peer-urls', peerUrl(i)],
      ...['--initial-cluster', initialCluster, '--initial-cluster-token', `${name}-etcd`],
      ...['--quota-backend-bytes', String(4 * 1024 * 1024 * 1024)],
      // Nothing else compacts (kube-apiserver compacts every 5 min; Flotilla's API servers do
      // not), so keep 5 min of history. etcd keeps in memory the raft entries since its last
      // snapshot plus 5,000 (fixed in 3.4): with 3.4's default of 100,000 a member's RSS grew
      // ~7 MiB a minute under the chaos workload, and even with 10,000 (3.5's default) it sawed
      // 5,000 → 15,000 entries (~3 KiB each: +30 MiB, an 11-min period in the 45-min soak).
      // 2,500 keeps it at 5,000-7,500; a snapshot here is a small v2-store file (issue #17).
      ...['--auto-compaction-mode', 'periodic', '--auto-compaction-retention', '5m'],
      ...['--snapshot-count', '2500'],
      ...['--logger', 'zap', '--log-level', 'warn'],
      ...tlsArgs(pki),
    ];
    return {
      name: memberName,
      endpoint,
      dataDir: memberDir,
      logFile: join(logDir, `${memberName}.log`),
      command: bin,
      args: [...common, '--initial-cluster-state', 'new'],
      restartArgs: [...common, '--initial-cluster-state', 'existing'],
      env,
      healthy: () => etcdHealthy(endpoint, pki?.client),
    };
  });
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    ...(pki ? { tls: pki.client } : {}),
    cleanup: () => {
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      if (tlsDir !== undefined && opts.tlsDir === undefined) {
        rmSync(tlsDir, { recursive: true, force: true });
      }
    },
  };
}

class Member implements EtcdMemberHandle {
  private proc: ManagedProcess | undefined;
  private readonly plan: EtcdMemberPlan;
  private readonly readyTimeoutMs: number;

  constructor(plan: EtcdMemberPlan, readyTimeoutMs: number) {
    this.plan = plan;
    this.readyTimeoutMs = readyTimeoutMs;
  }

  get name(): string {
    return this.plan.name;
  }
  get endpoint(): string {
    return this.plan.endpoint;
  }
  get dataDir(): string {
    return this.plan.dataDir;
  }
  get logFile(): string {
    return this.plan.logFile;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }
  get pid(): number | undefined {
    return this.running ? this.proc?.child.pid : undefined;
  }

  /** Spawns the process; a data folder that already holds a member means a restart. */
  spawn(): void {
    if (this.running) return;
    const existing = existsSync(join(this.plan.dataDir, 'member'));
    this.proc = new ManagedProcess({
      command: this.plan.command,
      args: existing ? this.plan.restartArgs : this.plan.args,
      logFile: this.plan.logFile,
      env: { ...process.env, ...this.plan.env },
    });
  }

  async waitHealthy(): Promise<void> {
    await waitFor(
      `etcd member ${this.name} to become healthy`,
      async () => {
        if (!this.running) throw new Error(`etcd member ${this.name} exited; see ${this.logFile}`);
        return this.plan.healthy();
      },
      this.readyTimeoutMs,
    );
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  kill(): void {
    if (this.running) this.proc?.child.kill('SIGKILL');
  }

  async start(): Promise<void> {
    if (this.proc && !this.running) await this.proc.stop(); // reap a killed process first
    this.spawn();
    await this.waitHealthy();
  }
}

/**
 * Starts a 1- or 3-member etcd cluster on 127.0.0.1 and waits until every member is healthy
 * (has a leader and serves a quorum read). On failure, whatever was started is stopped again.
 */
export async function startEtcdCluster(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const plan = await planEtcdCluster(opts);
  const members = plan.members.map((p) => new Member(p, opts.readyTimeoutMs ?? 30_000));
  const stop = async (): Promise<void> => {
    // reverse order, so the first member (often the one a single-endpoint client uses) goes last
    for (const m of [...members].reverse()) await m.stop();
    plan.cleanup();
  };
  try {
    // members of a new cluster wait for each other, so all of them must start before any is ready
    for (const m of members) m.spawn();
    await Promise.all(members.map((m) => m.waitHealthy()));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoints: plan.endpoints,
    ...(plan.tls ? { tls: plan.tls } : {}),
    member: (i: number): EtcdMemberHandle => {
      const m = members[i];
      if (!m) {
        throw new RangeError(
          `etcd cluster has ${String(members.length)} members, not ${String(i + 1)}`,
        );
      }
      return m;
    },
    stop,
  };
}
