/**
 * A whole hollow member (`dist/member/cmd/member.js`: API server, controllers, scheduler, kubelet)
 * as one child process whose wall clock the test moves at run time: libfaketime (Debian package
 * `faketime`, installed by hack/install.sh) is preloaded and reads its offset from a timestamp file
 * ({@link FakeClock.jump} rewrites it).
 *
 * `FAKETIME_DONT_FAKE_MONOTONIC=1` is essential: libfaketime otherwise shifts CLOCK_MONOTONIC too,
 * which is what libuv's timers run on, so a jump forward fires every pending timer at once and a
 * jump back stalls every timer for as long as the jump (tried with Node 24: a 1 s setTimeout did not
 * fire for minutes after a -10 min jump). A real host clock step (NTP, a VM resumed) moves only
 * CLOCK_REALTIME, which is what Date uses, so that is what is faked here.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { SECRETS } from '../../api/index.js';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import { distScript, ensureBuilt, waitOutput, type SpawnedBinary } from './binaries.js';

/** Where Debian's `libfaketime` package puts the preload library. */
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

const MEMBER_JS = distScript('member/cmd/member.js');

/** The offset file libfaketime reads (at most a second old: `FAKETIME_CACHE_DURATION=1`). */
export class FakeClock {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
    this.jump(0);
  }

  /** Moves the faked wall clock to real time + `seconds` (negative: behind). */
  jump(seconds: number): void {
    writeFileSync(this.file, `${seconds >= 0 ? '+' : ''}${String(seconds)}\n`);
  }

  /** The environment that preloads libfaketime with this offset file. */
  env(): NodeJS.ProcessEnv {
    if (!existsSync(LIBFAKETIME)) {
      throw new Error(`${LIBFAKETIME} is missing: run hack/install.sh (Debian package faketime)`);
    }
    return {
      ...process.env,
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: this.file,
      // re-read the offset file at most once a second: FAKETIME_NO_CACHE=1 reads it on every
      // clock call (~7 µs each, 30x slower Date.now), which slows a busy Node process down
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
  }
}

/** `node script ...args` with `env`, its stdout and stderr collected together. */
function spawnWithEnv(script: string, args: string[], name: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const p: SpawnedBinary = { name, child, out: () => text, exited };
  return p;
}

/** What {@link startFakeTimeMember} started. */
export interface FakeTimeMember {
  name: string;
  url: string;
  token: string;
  /** The member's serving CA (PEM). */
  caCert: string;
  /** A system:masters client of the member (it does not run under the fake clock). */
  admin: RestClient;
  proc: SpawnedBinary;
  /** SIGTERM, then the exit code (null: killed by a signal). */
  stop(): Promise<number | null>;
}

/** Options of {@link startFakeTimeMember}. */
export interface FakeTimeMemberOptions {
  name: string;
  etcd: string;
  /** A folder of the test (kubeconfig goes there). */
  dir: string;
  clock: FakeClock;
  /** Node addresses `<prefix>1`… @defaultValue 127.0.77. */
  nodeIpPrefix?: string;
}

/** Spawns the member under libfaketime with one hollow node; resolves once it serves its API. */
export async function startFakeTimeMember(o: FakeTimeMemberOptions): Promise<FakeTimeMember> {
  ensureBuilt([MEMBER_JS]);
  const token = `hf-${o.name}-token`;
  const kubeconfig = join(o.dir, `${o.name}.kubeconfig`);
  const args = [
    ...['--name', o.name, '--etcd', o.etcd, '--runtime', 'hollow', '--nodes', '1'],
    ...['--node-ip-prefix', o.nodeIpPrefix ?? '127.0.77.', '--token', token],
    ...['--kubeconfig-out', kubeconfig, '--verbose'],
  ];
  const proc = spawnWithEnv(MEMBER_JS, args, `member ${o.name}`, o.clock.env());
  const stop = async (): Promise<number | null> => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
    const code = await proc.exited;
    clearTimeout(timer);
    return code;
  };
  try {
    await waitOutput(proc, /nodes \S/, 60_000);
    const url = /API (https:\/\/\S+)/.exec(proc.out())?.[1] ?? '';
    const cluster = parseKubeconfig(readFileSync(kubeconfig, 'utf8')).clusters[0]?.cluster;
    const caCert = Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString();
    const admin = new RestClient({ server: url, token, caData: caCert });
    return { name: o.name, url, token, caCert, admin, proc, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Joins `m` to the federation of `api` as `flotilla join` does (credentials Secret + Cluster). */
export async function joinFakeTimeMember(
  api: RestClient,
  m: FakeTimeMember,
  labels: Record<string, string> = {},
): Promise<void> {
  await api.resource(SECRETS, 'flotilla-system').create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `cluster-${m.name}` },
    data: {
      token: Buffer.from(m.token).toString('base64'),
      caData: Buffer.from(m.caCert).toString('base64'),
    },
  });
  await api.resource<Cluster>(CLUSTERS).create({
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: m.name, labels },
    spec: {
      apiEndpoint: m.url,
      secretRef: { namespace: 'flotilla-system', name: `cluster-${m.name}` },
    },
  });
}
