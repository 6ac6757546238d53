/**
 * A dockerd of one test, which the test may stop and restart at will (the project's shared daemon
 * at /var/lib/flotilla-docker is used by other tests at the same time and must never be touched).
 * Everything is its own: data root, exec root (and the containerd it starts there), pid file,
 * unix socket, all under one temporary folder, and a Linux bridge with a private /24. It leaves
 * the host's firewall alone (`--iptables=false`): published ports (always on 127.x addresses)
 * are served by docker-proxy, which is all the loopback-only pod network needs, and the shared
 * daemon's chains are never rewritten. {@link PrivateDockerd.destroy} removes the containers, the
 * daemon, the bridge and the folder.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ManagedProcess } from '../../hack/lib/managed-process.js';
import { waitFor } from '../../hack/lib/ports.js';
import { requireBinary, tempDir } from '../../hack/lib/service-util.js';

/** A running private dockerd. */
export interface PrivateDockerd {
  /** Its unix socket. */
  socketPath: string;
  /** The environment for the docker CLI against it (`DOCKER_HOST`). */
  env: NodeJS.ProcessEnv;
  /** Its Linux bridge (e.g. `fltd1a2b`) and the bridge's address (`192.168.N.1/24`). */
  bridge: string;
  bridgeAddress: string;
  /** Pid of the current daemon process (undefined while stopped). */
  pid(): number | undefined;
  /** Stops the daemon with SIGTERM (its containers stop with it) and waits for its exit. */
  stop(): Promise<void>;
  /** Starts the daemon again on the same data root, socket and bridge; resolves once it answers. */
  start(): Promise<void>;
  /** What the daemon logged so far. */
  log(): string;
  /** Removes every container, stops the daemon, deletes the bridge and the folder. Idempotent. */
  destroy(): Promise<void>;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** A 192.168.N.0/24 no route of this host uses yet. */
function freeSubnet(): number {
  const routes = ip('-4', 'route', 'show');
  for (let k = 0; k < 50; k++) {
    const n = randomInt(100, 250);
    if (!routes.includes(`192.168.${String(n)}.`)) return n;
  }
  throw new Error('no free 192.168.N.0/24 for a private docker bridge');
}

/** GET /_ping on the socket: true when the daemon answers 200. */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** Unmounts whatever a killed daemon left mounted under `dir` (overlays, netns, shm). */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/**
 * Starts a private dockerd (root only: it creates a bridge). Throws with the daemon's log when it
 * does not answer within 60 s; everything created so far is removed then.
 */
export async function startPrivateDockerd(): Promise<PrivateDockerd> {
  const bin = requireBinary('dockerd');
  const dir = tempDir('flotilla-dockerd');
  const socketPath = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  // IFNAMSIZ: at most 15 characters
  const bridge = `fltd${randomInt(0, 36 ** 6).toString(36)}`;
  const subnet = freeSubnet();
  const bridgeAddress = `192.168.${String(subnet)}.1/24`;
  let proc: ManagedProcess | undefined;
  let bridgeMade = false;

  const start = async (): Promise<void> => {
    const p = new ManagedProcess({
      command: bin,
      args: [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '-H',
        `unix://${socketPath}`,
        '--bridge',
        bridge,
        '--iptables=false',
        '--ip-masq=false',
        '--ip-forward=false',
      ],
      logFile,
    });
    proc = p;
    await waitFor(
      `the private dockerd to answer on ${socketPath}`,
      async () => {
        if (!p.running) throw new Error(`dockerd exited: ${readLog()}`);
        return ping(socketPath);
      },
      60_000,
      100,
    );
  };
  const readLog = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    await proc?.stop(30_000);
    proc = undefined;
  };
  const env = { ...process.env, DOCKER_HOST: `unix://${socketPath}` };
  let destroyed = false;
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    if (proc?.running) {
      try {
        const ids = execFileSync('docker', ['ps', '-aq'], { env, encoding: 'utf8' })
          .split('\n')
          .filter((l) => l !== '');
        if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { env, stdio: 'ignore' });
      } catch {
        // the daemon stops its containers anyway
      }
    }
    await stop();
    unmountUnder(dir);
    if (bridgeMade) {
      try {
        ip('link', 'del', bridge);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    bridgeMade = true;
    ip('addr', 'add', bridgeAddress, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    await start();
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    socketPath,
    env,
    bridge,
    bridgeAddress,
    pid: () => (proc?.running ? proc.child.pid : undefined),
    stop,
    start,
    log: readLog,
    destroy,
  };
}
