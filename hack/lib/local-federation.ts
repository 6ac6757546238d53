/**
 * The local federation as a platform team would deploy it, on one machine: every component its
 * own OS process started from the built binaries (dist/), one etcd per cluster (the federation's
 * optionally a 3-member cluster), each process logging to `<state>/logs/<name>.log` and watched by
 * a {@link Supervisor} that restarts it with back-off. hack/local-up.ts, the topology e2e test and
 * the propagation bench all start it through {@link startLocalFederation}.
 */ import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../federation/cli/run-cli.js';
import { FEDERATION_CONTROLLER_USER } from '../../federation/server/federation-bootstrap-policy.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import {
  clusterIdentities,
  writeEtcdClientFiles,
  type ClusterIdentities,
} from './cluster-identities.js';
import { dataProtectionFiles } from './data-protection-files.js';
import { freePort } from './ports.js';
import { Supervisor } from './supervisor.js';
import {
  apiReady,
  metricsBinding,
  nodeArgs,
  startEtcd,
  type LocalEtcd,
  type MetricsTarget,
} from './local-components.js';
import { removeContainers, startMember, type LocalMember } from './local-member.js';
import { acquireAddressPlan, type AddressPlan } from './address-plan.js';

export type { LocalEtcd, MetricsTarget } from './local-components.js';
export type { LocalMember } from './local-member.js';
/** Options of {@link startLocalFederation}. */
export interface LocalFederationOptions {
  /** Repository root (dist/ must be built). */
  root: string;
  /** State folder: PKI, kubeconfigs, etcd data, logs. */
  state: string;
  members: number;
  nodes: number;
  runtime: 'docker' | 'hollow';
  /** dockerd socket (docker runtime). */
  dockerSocket?: string;
  /** etcd members of the federation's etcd. @defaultValue 1 */
  etcdMembers?: 1 | 3;
  /** Federation API servers on the same etcd. @defaultValue 1 */
  apiServers?: number;
  /** Federation controller managers (leader-elected). @defaultValue 1 */
  controllerManagers?: number;
  /** More flags of each federation controller manager (e.g. a shorter health window). */
  controllerManagerArgs?: readonly string[];
  /** Federation-wide DNS zone; member i serves `member<i>.<zone>`. */
  zone: string;
  /** Serves the registry.flotilla.io API (promotion) and runs the image gate. */
  promotion?: { systemToken: string };
  /**
   * `--event-ttl` of every API server (federation and members), a duration such as `5m`.
   * @defaultValue the API servers' own (1h)
   */
  eventTtl?: string;
  log?: (line: string) => void;
}

/** The running local federation. */
export interface LocalFederation {
  supervisor: Supervisor;
  federation: {
    urls: string[];
    ids: ClusterIdentities;
    adminKubeconfig: string;
    etcd: LocalEtcd;
  };
  members: LocalMember[];
  /** Its loopback address ranges (ClusterIPs, pod CIDRs, cluster-set IPs). */
  addresses: AddressPlan;
  /** The controller managers' and cluster DNS servers' `/metrics` (federation's, then members'). */
  metrics: MetricsTarget[];
  /** Stops every process (reverse order), then the etcds. */
  stop(): Promise<void>;
}

/** Starts etcd, the federation control plane and the members; returns once all are Ready. */
export async function startLocalFederation(opts: LocalFederationOptions): Promise<LocalFederation> {
  const log = opts.log ?? ((s: string) => void s);
  const logs = join(opts.state, 'logs');
  mkdirSync(logs, { recursive: true });
  const supervisor = new Supervisor({ stateDir: opts.state, logger: log });
  await supervisor.serveControl();
  const node = process.execPath;
  const members: LocalMember[] = [];
  const addresses = acquireAddressPlan(opts.state);
  const stop = async (): Promise<void> => {
    await supervisor.shutdown();
    addresses.release();
    // a stopped kubelet leaves its containers (as the real one does): the set-up removes them
    if (opts.runtime === 'docker' && opts.dockerSocket) {
      removeContainers(
        opts.dockerSocket,
        members.map((m) => m.clusterId),
      );
    }
  };
  try {
    // ---- federation ----
    const fedEtcd = await startEtcd(opts, supervisor, 'federation', opts.etcdMembers ?? 1);
    const fedPorts: number[] = [];
    for (let i = 0; i < (opts.apiServers ?? 1); i++) fedPorts.push(await freePort());
    const fedUrls = fedPorts.map((p) => `https://127.0.0.1:${String(p)}`);
    const fedIds = clusterIdentities(opts.state, 'federation', fedUrls[0] ?? '');
    const fedAdmin = fedIds.kubeconfig('admin', 'admin', [MASTERS_GROUP]);
    const fedCm = fedIds.kubeconfig('controller-manager', FEDERATION_CONTROLLER_USER);
    const fedEtcdFiles = writeEtcdClientFiles(fedIds.pki.dir, fedEtcd.tls);
    const fedData = dataProtectionFiles(opts.state, 'federation');
    const tokenFile = join(fedIds.pki.dir, 'tokens.csv');
    writeFileSync(
      tokenFile,
      opts.promotion ? `${opts.promotion.systemToken},system:promotion,system:promotion\n` : '',
      { mode: 0o600 },
    );
    for (const [i, port] of fedPorts.entries()) {
      const name = `federation-apiserver${fedPorts.length > 1 ? `-${String(i)}` : ''}`;
      await supervisor.add({
        name,
        group: 'federation',
        command: node,
        args: nodeArgs(opts.root, 'federation/cmd/federation-apiserver.js', [
          '--etcd-servers',
          fedEtcd.endpoints.join(','),
          '--etcd-cafile',
          fedEtcdFiles.caFile,
          '--etcd-certfile',
          fedEtcdFiles.certFile,
          '--etcd-keyfile',
          fedEtcdFiles.keyFile,
          '--pki-dir',
          fedIds.pki.dir,
          '--bind-address',
          '127.0.0.1',
          '--secure-port',
          String(port),
          '--encryption-provider-config',
          fedData.encryptionConfig ?? '',
          '--audit-policy-file',
          fedData.auditPolicyFile ?? '',
          '--audit-log-path',
          // audit/federation.log, or federation-<i>.log for each of several API servers
          join(opts.state, 'audit', `federation${fedPorts.length > 1 ? `-${String(i)}` : ''}.log`),
          '--token-auth-file',
          tokenFile,
          ...(opts.promotion ? ['--enable-promotion'] : []),
          ...(opts.eventTtl !== undefined ? ['--event-ttl', opts.eventTtl] : []),
        ]),
        ready: apiReady(`https://127.0.0.1:${String(port)}`, fedIds),
        readyTimeoutMs: 60_000,
      });
    }
    const metrics: MetricsTarget[] = [];
    for (let i = 0; i < (opts.controllerManagers ?? 1); i++) {
      const name = `federation-controller-manager${(opts.controllerManagers ?? 1) > 1 ? `-${String(i)}` : ''}`;
      const binding = await metricsBinding(name);
      metrics.push(binding.target);
      await supervisor.add({
        name,
        group: 'federation',
        command: node,
        args: nodeArgs(opts.root, 'federation/cmd/federation-controller-manager.js', [
          '--kubeconfig',
          fedCm,
          // its CA signs pull-mode agents' certificates (`flotilla register`)
          '--pki-dir',
          fedIds.pki.dir,
          // cluster-set IPs of multi-cluster services: this federation's own loopback /24
          '--clusterset-ip-range',
          addresses.clustersetCidr,
          ...(opts.promotion ? ['--enable-promotion-gate'] : []),
          ...binding.args,
          ...(opts.controllerManagerArgs ?? []),
        ]),
      });
    }
    // ---- members ----
    for (let i = 1; i <= opts.members; i++) {
      members.push(await startMember(opts, supervisor, i, addresses.member(i)));
    }
    return {
      supervisor,
      federation: { urls: fedUrls, ids: fedIds, adminKubeconfig: fedAdmin, etcd: fedEtcd },
      members,
      addresses,
      metrics: [...metrics, ...members.flatMap((m) => m.metrics)],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A random hex token (e.g. the promotion service's system token). */
export function randomToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Joins every member to the federation with the CLI's `join` (push mode: the federation stores the
 * member's admin credentials; cluster DNS zone and server for the resolver's routes). Any failed
 * join, "already joined" included, throws with the CLI's own message.
 */
export async function joinMembers(
  local: LocalFederation,
  io: { stdout?: (s: string) => void; stderr?: (s: string) => void } = {},
): Promise<void> {
  for (const m of local.members) {
    let err = '';
    const code = await runCli(
      [
        '--kubeconfig',
        local.federation.adminKubeconfig,
        'join',
        m.name,
        '--member-kubeconfig',
        m.adminKubeconfig,
        '--dns-zone',
        m.clusterDomain,
        '--dns-server',
        `${m.dns.host}:${String(m.dns.port)}`,
      ],
      {
        stdout: io.stdout ?? (() => undefined),
        stderr: (s) => {
          err += s;
          io.stderr?.(s);
        },
        env: process.env,
      },
    );
    if (code !== 0) throw new Error(`join ${m.name} failed (exit ${String(code)}): ${err.trim()}`);
  }
}
